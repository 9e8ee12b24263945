import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import {
  ArrayMaxSize,
  ArrayMinSize,
  IsArray,
  IsIn,
  IsInt,
  IsOptional,
  IsString,
  Length,
  Matches,
  Max,
  Min,
  ValidateIf,
} from 'class-validator';
import { GRANT_TYPES, type ClientEntity, type GrantType } from './client.entity';

const INSTITUTION_ID = /^[A-Za-z0-9_-]{1,64}$/;

export class CreateClientDto {
  @ApiProperty({ example: 'sandbox-fi' })
  @Matches(INSTITUTION_ID, { message: 'institutionId must be 1-64 letters, digits, _ or -' })
  institutionId!: string;

  @ApiProperty({ example: 'Mobile banking app' })
  @IsString()
  @Length(1, 100)
  name!: string;

  @ApiProperty({ example: ['customers:read', 'customers:write'] })
  @IsArray()
  @ArrayMinSize(1)
  @ArrayMaxSize(32)
  @IsString({ each: true })
  scopes!: string[];

  @ApiProperty({ example: ['client_credentials'], enum: GRANT_TYPES, isArray: true })
  @IsArray()
  @ArrayMinSize(1)
  @IsIn(GRANT_TYPES, { each: true })
  grantTypes!: GrantType[];

  @ApiPropertyOptional({
    description: 'Granted when a token request names no scope; defaults to scopes',
  })
  @IsOptional()
  @IsArray()
  @ArrayMaxSize(32)
  @IsString({ each: true })
  defaultScopes?: string[];
}

export class ListClientsQuery {
  @ApiPropertyOptional()
  @IsOptional()
  @Matches(INSTITUTION_ID)
  institutionId?: string;

  @ApiPropertyOptional({
    description: 'Return clients whose clientId sorts after this one (keyset paging)',
  })
  @IsOptional()
  @IsString()
  @Length(1, 64)
  after?: string;

  @ApiPropertyOptional({ default: 100, maximum: 500 })
  @IsOptional()
  @Type(() => Number)
  @IsInt()
  @Min(1)
  @Max(500)
  limit?: number;
}

/** Validates the member only when it is present, so that `null` is refused like any non-integer. */
const IfPresent = (property: string) =>
  ValidateIf((o: Record<string, unknown>) => o[property] !== undefined);

export class RotateSecretDto {
  @ApiPropertyOptional({
    description:
      'Seconds the current secret keeps working beside the new one (0: it stops at once). At most 7 days.',
    type: 'integer',
    default: 0,
    minimum: 0,
    maximum: 604_800,
    example: 86_400,
  })
  @IfPresent('previousSecretExpiresIn')
  @IsInt({ message: 'previousSecretExpiresIn must be an integer from 0 to 604800' })
  @Min(0, { message: 'previousSecretExpiresIn must be an integer from 0 to 604800' })
  @Max(604_800, { message: 'previousSecretExpiresIn must be an integer from 0 to 604800' })
  previousSecretExpiresIn?: number;
}

export class ClientTokenRequestDto {
  @ApiPropertyOptional({
    description:
      "Scopes of the token, each one the client holds; default the client's default scopes",
    example: ['banking-activities:read', 'account:read'],
    type: [String],
  })
  @IfPresent('scopes')
  @IsArray()
  @ArrayMinSize(1)
  @ArrayMaxSize(32)
  @IsString({ each: true })
  scopes?: string[];

  @ApiPropertyOptional({
    description:
      'Lifetime in seconds, 60 to 900 (never above ACCESS_TOKEN_TTL_SECONDS: a shorter lifetime is answered in expires_in)',
    type: 'integer',
    default: 300,
    minimum: 60,
    maximum: 900,
  })
  @IfPresent('expiresIn')
  @IsInt({ message: 'expiresIn must be an integer from 60 to 900' })
  @Min(60, { message: 'expiresIn must be an integer from 60 to 900' })
  @Max(900, { message: 'expiresIn must be an integer from 60 to 900' })
  expiresIn?: number;
}

export class ClientTokenView {
  @ApiProperty({ description: 'ES256 JWT (RFC 9068), as the token endpoint issues' })
  access_token!: string;
  @ApiProperty({ enum: ['Bearer'] }) token_type!: 'Bearer';
  @ApiProperty({ description: 'Seconds', example: 300 }) expires_in!: number;
  @ApiProperty({ description: 'Space-separated', example: 'banking-activities:read account:read' })
  scope!: string;
}

export class ClientView {
  @ApiProperty() clientId!: string;
  @ApiProperty() institutionId!: string;
  @ApiProperty() name!: string;
  @ApiProperty({ type: [String] }) scopes!: string[];
  @ApiProperty({ type: [String] }) defaultScopes!: string[];
  @ApiProperty({ enum: GRANT_TYPES, isArray: true }) grantTypes!: GrantType[];
  @ApiProperty({ enum: ['active', 'disabled'] }) status!: string;
  @ApiProperty() createdAt!: string;
  @ApiProperty() updatedAt!: string;
  @ApiPropertyOptional({ nullable: true, type: String }) secretRotatedAt!: string | null;
  @ApiPropertyOptional({ nullable: true, type: String }) disabledAt!: string | null;
  @ApiPropertyOptional({
    nullable: true,
    type: String,
    description:
      'When the previous secret of the last rotation stops working; null when no previous secret works',
  })
  previousSecretExpiresAt!: string | null;
  @ApiPropertyOptional({
    nullable: true,
    type: String,
    description:
      'When the token endpoint last issued this client a token, to within about a minute (try-it tokens do not count); null: never',
  })
  lastUsedAt!: string | null;

  static of(c: ClientEntity, now = Date.now()): ClientView {
    const previousLive =
      c.previousSecretHash !== null &&
      c.previousSecretExpiresAt !== null &&
      c.previousSecretExpiresAt.getTime() > now;
    return {
      clientId: c.clientId,
      institutionId: c.institutionId,
      name: c.name,
      scopes: c.allowedScopes,
      defaultScopes: c.defaultScopes,
      grantTypes: c.grantTypes,
      status: c.status,
      createdAt: c.createdAt.toISOString(),
      updatedAt: c.updatedAt.toISOString(),
      secretRotatedAt: c.secretRotatedAt?.toISOString() ?? null,
      disabledAt: c.disabledAt?.toISOString() ?? null,
      previousSecretExpiresAt: previousLive ? c.previousSecretExpiresAt!.toISOString() : null,
      lastUsedAt: c.lastUsedAt?.toISOString() ?? null,
    };
  }
}

export class ClientWithSecretView extends ClientView {
  @ApiProperty({ description: 'Shown once; only a keyed hash is stored' })
  clientSecret!: string;
}

export class ClientListView {
  @ApiProperty({ type: [ClientView] }) clients!: ClientView[];
  @ApiPropertyOptional({
    description: 'Pass as `after` for the next page',
    nullable: true,
    type: String,
  })
  next!: string | null;
}

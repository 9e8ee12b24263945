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

  static of(c: ClientEntity): ClientView {
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

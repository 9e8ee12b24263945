import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';

/* The answers' shapes; the request forms are defined in form.ts (one definition per grant). */

export class TokenResponseDoc {
  @ApiProperty()
  access_token!: string;

  @ApiProperty({ example: 'Bearer' })
  token_type!: string;

  @ApiProperty({ example: 900 })
  expires_in!: number;

  @ApiProperty({ example: 'customers:read customers:write' })
  scope!: string;

  @ApiPropertyOptional({ description: 'password and refresh_token grants' })
  refresh_token?: string;

  @ApiPropertyOptional({ description: 'password and refresh_token grants' })
  refresh_token_expires_in?: number;
}

export class OAuthErrorDoc {
  @ApiProperty({
    enum: [
      'invalid_request',
      'invalid_client',
      'invalid_grant',
      'unauthorized_client',
      'unsupported_grant_type',
      'invalid_scope',
      'temporarily_unavailable',
    ],
  })
  error!: string;

  @ApiProperty()
  error_description!: string;
}

export class IntrospectionDoc {
  @ApiProperty()
  active!: boolean;

  @ApiPropertyOptional() scope?: string;
  @ApiPropertyOptional() client_id?: string;
  @ApiPropertyOptional() sub?: string;
  @ApiPropertyOptional() institution_id?: string;
  @ApiPropertyOptional() exp?: number;
  @ApiPropertyOptional() iat?: number;
  @ApiPropertyOptional() iss?: string;
  @ApiPropertyOptional() token_type?: string;
}

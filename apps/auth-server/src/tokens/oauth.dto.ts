import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';

/** OpenAPI shapes of the OAuth endpoints (the handlers read the raw form, see form.ts). */
export class TokenRequestDoc {
  @ApiProperty({ enum: ['client_credentials', 'password', 'refresh_token'] })
  grant_type!: string;

  @ApiPropertyOptional({ description: 'With client_secret_post; otherwise use HTTP Basic' })
  client_id?: string;

  @ApiPropertyOptional()
  client_secret?: string;

  @ApiPropertyOptional({
    description: 'Space-separated scopes (RFC 6749)',
    example: 'customers:read customers:write',
  })
  scope?: string;

  @ApiPropertyOptional({
    description: 'Comma- or space-separated scopes (Candescent spelling of scope)',
  })
  scopes?: string;

  @ApiPropertyOptional({ description: 'password grant: the customer loginId' })
  username?: string;

  @ApiPropertyOptional({ description: 'password grant: the customer password' })
  password?: string;

  @ApiPropertyOptional({ description: 'refresh_token grant' })
  refresh_token?: string;
}

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

export class TokenParamDoc {
  @ApiProperty()
  token!: string;

  @ApiPropertyOptional({ enum: ['access_token', 'refresh_token'] })
  token_type_hint?: string;

  @ApiPropertyOptional()
  client_id?: string;

  @ApiPropertyOptional()
  client_secret?: string;
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

import { Controller, Get, Header } from '@nestjs/common';
import { ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { FI_SCOPES, Scope } from '@app/common';
import { GRANT_TYPES } from '../clients/client.entity';
import { AuthEnv } from '../config/auth.env';
import { SigningKeysService, type Jwks } from '../keys/signing-keys.service';

const JWKS_SCHEMA = {
  type: 'object',
  properties: { keys: { type: 'array', items: { type: 'object' } } },
};

const AUTH_METHODS = ['client_secret_basic', 'client_secret_post'];

@ApiTags('discovery')
@Controller()
export class DiscoveryController {
  constructor(
    private readonly keys: SigningKeysService,
    private readonly env: AuthEnv,
  ) {}

  @Get('.well-known/oauth-authorization-server')
  @Header('Cache-Control', 'public, max-age=300')
  @ApiOperation({
    summary: 'Authorization server metadata (RFC 8414)',
    description: 'Issuer, endpoints, grant types, client authentication methods and scopes.',
  })
  @ApiOkResponse({ description: 'RFC 8414 metadata', schema: { type: 'object' } })
  metadata(): Record<string, unknown> {
    const issuer = this.env.AUTH_ISSUER.replace(/\/$/, '');
    return {
      issuer: this.env.AUTH_ISSUER,
      token_endpoint: `${issuer}/oauth2/v1/token`,
      jwks_uri: `${issuer}/oauth2/v1/keys`,
      introspection_endpoint: `${issuer}/oauth2/v1/introspect`,
      revocation_endpoint: `${issuer}/oauth2/v1/revoke`,
      grant_types_supported: GRANT_TYPES,
      // No authorization endpoint: only the token endpoint's grants are offered.
      response_types_supported: [],
      token_endpoint_auth_methods_supported: AUTH_METHODS,
      introspection_endpoint_auth_methods_supported: AUTH_METHODS,
      revocation_endpoint_auth_methods_supported: AUTH_METHODS,
      scopes_supported: [...FI_SCOPES, Scope.ClientsAdmin],
      access_token_signing_alg_values_supported: ['ES256'],
      service_documentation: `${issuer}/docs`,
    };
  }

  @Get('oauth2/v1/keys')
  @Header('Cache-Control', 'public, max-age=60')
  @ApiOperation({
    summary: 'JSON Web Key Set: the signing key and retired keys whose tokens may still be valid',
    description: 'Verifies access tokens (ES256); the next key appears before it signs.',
  })
  @ApiOkResponse({ description: 'RFC 7517 JWK Set', schema: JWKS_SCHEMA })
  keysDocument(): Jwks {
    return this.keys.jwks();
  }

  @Get('.well-known/jwks.json')
  @Header('Cache-Control', 'public, max-age=60')
  @ApiOperation({
    summary: 'Same JWK Set at the well-known path',
    description: 'As GET /oauth2/v1/keys.',
  })
  @ApiOkResponse({ description: 'RFC 7517 JWK Set', schema: JWKS_SCHEMA })
  wellKnownJwks(): Jwks {
    return this.keys.jwks();
  }
}

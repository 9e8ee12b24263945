import { Injectable, Logger, Optional } from '@nestjs/common';
import { canonicalScope, type FieldError } from '@app/common';
import { AuthEnv } from '../config/auth.env';
import { AuthMetrics } from '../tokens/auth.metrics';
import { TokenService, type TokenResponse } from '../tokens/token.service';
import { AuthErrors } from './auth.errors';
import { ClientsService } from './clients.service';

export interface ClientTokenRequest {
  /** The client's id. */
  clientId: string;
  /** The admin's institution scope (undefined: the platform admin, any FI). */
  institutionId: string | undefined;
  /** The scopes this admin may hand out (never internal ones). */
  grantable: readonly string[];
  /** Who asks, for the log line. */
  adminClientId: string;
  scopes?: string[];
  expiresIn?: number;
}

export const TRY_IT_DEFAULT_SECONDS = 300;

/**
 * Short-lived access tokens an admin mints for one of its clients (the developer portal's
 * try-it), issued exactly as the token endpoint's client_credentials grant issues them.
 */
@Injectable()
export class ClientTokensService {
  private readonly logger = new Logger(ClientTokensService.name);

  constructor(
    private readonly clients: ClientsService,
    private readonly tokens: TokenService,
    private readonly env: AuthEnv,
    @Optional() private readonly metrics?: AuthMetrics,
  ) {}

  async mint(request: ClientTokenRequest): Promise<TokenResponse> {
    const client = await this.clients.get(request.clientId, request.institutionId);
    if (client.status !== 'active') throw AuthErrors.clientDisabled(client.clientId);
    if (!client.grantTypes.includes('client_credentials'))
      throw AuthErrors.grantNotAllowed(client.clientId);

    const errors: FieldError[] = [];
    let scopes: string[];
    if (request.scopes) {
      scopes = [...new Set(request.scopes.map(canonicalScope))];
      request.scopes.forEach((raw, i) => {
        const scope = canonicalScope(raw);
        if (!client.allowedScopes.includes(scope))
          errors.push({ pointer: `/scopes/${i}`, detail: `the client does not hold ${raw}` });
        else if (!request.grantable.includes(scope))
          errors.push({
            pointer: `/scopes/${i}`,
            detail: `${raw} cannot be put in a token by this admin`,
          });
      });
    } else {
      scopes = client.defaultScopes;
      const refused = scopes.filter((s) => !request.grantable.includes(s));
      if (scopes.length === 0)
        errors.push({ pointer: '/scopes', detail: 'the client has no default scope; name some' });
      else if (refused.length > 0)
        errors.push({
          pointer: '/scopes',
          detail: `the client's default scopes include ${refused.join(' ')}, which this admin cannot put in a token; name the scopes`,
        });
    }
    if (errors.length > 0) throw AuthErrors.invalidTokenRequest(errors);

    // Never longer than the token endpoint's own tokens.
    const ttl = Math.min(
      request.expiresIn ?? TRY_IT_DEFAULT_SECONDS,
      this.env.ACCESS_TOKEN_TTL_SECONDS,
    );
    const response = await this.tokens.clientCredentialsToken(client, scopes, ttl);
    this.metrics?.issued('admin_try_it');
    this.logger.log(
      {
        adminClientId: request.adminClientId,
        clientId: client.clientId,
        institutionId: client.institutionId,
        scope: response.scope,
        expiresIn: response.expires_in,
      },
      'try-it token issued by an admin',
    );
    return response;
  }
}

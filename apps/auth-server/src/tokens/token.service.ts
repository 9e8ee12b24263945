import { Inject, Injectable, Optional } from '@nestjs/common';
import { PLATFORM_INSTITUTION_ID } from '@app/common';
import { jwtVerify } from 'jose';
import type { ClientEntity, GrantType } from '../clients/client.entity';
import { ClientsService } from '../clients/clients.service';
import { AuthEnv } from '../config/auth.env';
import {
  CUSTOMER_CREDENTIALS,
  type CustomerCredentialsPort,
} from '../customers/customer-credentials.port';
import { SigningKeysService } from '../keys/signing-keys.service';
import { AccessTokenIssuer } from './access-token.issuer';
import { AuthMetrics } from './auth.metrics';
import { FailedAuthThrottle } from './failed-auth.throttle';
import { required, type FormParams } from './form';
import { OAuthError } from './oauth.error';
import { RefreshTokensService } from './refresh-tokens.service';
import { RevocationsService } from './revocations.service';
import { customerScopes, grantScopes, requestedScopes } from './scope-request';

export interface TokenResponse {
  access_token: string;
  token_type: 'Bearer';
  expires_in: number;
  scope: string;
  refresh_token?: string;
  refresh_token_expires_in?: number;
}

/** Who asks for a token, as the password grant relays it to customer-service. */
export interface TokenRequester {
  ipAddress: string;
  userAgent?: string;
  /** Travels to customer-service so that its records join this token request. */
  transactionId?: string;
}

export type Introspection = { active: false } | ({ active: true } & Record<string, unknown>);

const allows = (client: ClientEntity, grant: GrantType): boolean =>
  client.grantTypes.includes(grant);

/** The grants of RFC 6749 and the token lifecycle (RFC 7662 introspection, RFC 7009 revocation). */
@Injectable()
export class TokenService {
  constructor(
    private readonly issuer: AccessTokenIssuer,
    private readonly refreshTokens: RefreshTokensService,
    private readonly revocations: RevocationsService,
    private readonly keys: SigningKeysService,
    private readonly env: AuthEnv,
    private readonly throttle: FailedAuthThrottle,
    @Inject(CUSTOMER_CREDENTIALS) private readonly customers: CustomerCredentialsPort,
    @Optional() private readonly metrics?: AuthMetrics,
    @Optional() private readonly clients?: ClientsService,
  ) {}

  async grant(
    client: ClientEntity,
    params: FormParams,
    requester: TokenRequester,
  ): Promise<TokenResponse> {
    const grantType = required(params, 'grant_type');
    switch (grantType) {
      case 'client_credentials':
        return this.counted(grantType, client, this.clientCredentials(client, params));
      case 'password':
        return this.counted(grantType, client, this.password(client, params, requester));
      case 'refresh_token':
        return this.counted(grantType, client, this.refresh(client, params));
      default:
        throw new OAuthError(
          'unsupported_grant_type',
          `The grant type ${grantType.slice(0, 64)} is not supported.`,
        );
    }
  }

  private async counted(grantType: string, client: ClientEntity, issued: Promise<TokenResponse>) {
    const response = await issued;
    this.metrics?.issued(grantType);
    // lastUsedAt: a map lookup here, written later in the background (ClientsService).
    this.clients?.recordUse(client);
    return response;
  }

  private async clientCredentials(
    client: ClientEntity,
    params: FormParams,
  ): Promise<TokenResponse> {
    if (!allows(client, 'client_credentials')) throw this.unauthorized('client_credentials');
    const scopes = grantScopes(requestedScopes(params), client.allowedScopes, client.defaultScopes);
    return this.clientCredentialsToken(client, scopes);
  }

  /**
   * The client_credentials token of `client` for `scopes` (already checked against it); also
   * the admin API's short-lived try-it tokens (`ttlSeconds`; default ACCESS_TOKEN_TTL_SECONDS).
   */
  async clientCredentialsToken(
    client: ClientEntity,
    scopes: readonly string[],
    ttlSeconds?: number,
  ): Promise<TokenResponse> {
    const request = {
      subject: client.clientId,
      clientId: client.clientId,
      institutionId: client.institutionId,
      scopes,
    };
    const access = await (ttlSeconds === undefined
      ? this.issuer.issue(request)
      : this.issuer.issue(request, ttlSeconds));
    return {
      access_token: access.token,
      token_type: 'Bearer',
      expires_in: access.expiresIn,
      scope: access.scope,
    };
  }

  private async password(
    client: ClientEntity,
    params: FormParams,
    requester: TokenRequester,
  ): Promise<TokenResponse> {
    if (!allows(client, 'password')) throw this.unauthorized('password');
    const username = required(params, 'username');
    const password = required(params, 'password');
    // A customer's token carries customer scopes only, whatever else the client holds.
    const scopes = customerScopes(
      requestedScopes(params),
      client.allowedScopes,
      client.defaultScopes,
    );
    const retryAfter = await this.throttle.passwordRetryAfter(requester.ipAddress, params);
    if (retryAfter > 0) {
      this.metrics?.failed('password throttled');
      throw new OAuthError('temporarily_unavailable', 'Too many failed logins; retry later.', 429, {
        'Retry-After': String(retryAfter),
      });
    }
    const verdict = await this.customers.verify(
      {
        institutionId: client.institutionId,
        loginId: username,
        password,
        clientId: client.clientId,
        ipAddress: requester.ipAddress,
        ...(requester.userAgent !== undefined ? { userAgent: requester.userAgent } : {}),
      },
      requester.transactionId,
    );
    if (verdict.result === 'unavailable') {
      throw new OAuthError(
        'temporarily_unavailable',
        'Customer credentials cannot be checked right now.',
        503,
        { 'Retry-After': '5' },
      );
    }
    if (verdict.result !== 'ok') {
      this.metrics?.failed(`password ${verdict.result}`);
      await this.throttle.recordPasswordFailure(client.clientId, requester.ipAddress);
      // One answer for an unknown login id, a wrong password and a locked account, so that the
      // answer never tells which login ids exist (the customer learns of a lock elsewhere).
      throw new OAuthError('invalid_grant', 'The username or password is incorrect.');
    }

    const ctx = {
      subject: verdict.customerId,
      clientId: client.clientId,
      institutionId: client.institutionId,
      scope: scopes.join(' '),
      loginId: verdict.loginId,
      userType: verdict.userType,
    };
    const access = await this.issuer.issue({ ...ctx, scopes });
    const refresh = await this.refreshTokens.mint(ctx, access);
    return this.withRefresh(access, refresh);
  }

  private async refresh(client: ClientEntity, params: FormParams): Promise<TokenResponse> {
    if (!allows(client, 'refresh_token') && !allows(client, 'password'))
      throw this.unauthorized('refresh_token');
    const presented = required(params, 'refresh_token');
    const narrowed = requestedScopes(params);
    const outcome = await this.refreshTokens.redeem(presented, client.clientId, async (old, tx) => {
      // Refresh tokens come from the password grant only: customer scopes, even for one stored
      // before that rule. RFC 6749 §6: a refresh may narrow the scope, never widen it.
      const original = customerScopes(undefined, old.scope.split(' '), old.scope.split(' '));
      const scopes = narrowed ? grantScopes(narrowed, original, original) : original;
      const ctx = {
        subject: old.subject,
        clientId: old.clientId,
        institutionId: old.institutionId,
        scope: original.join(' '),
        loginId: old.loginId,
        userType: old.userType,
      };
      const access = await this.issuer.issue({
        subject: old.subject,
        clientId: old.clientId,
        institutionId: old.institutionId,
        scopes,
        ...(old.loginId ? { loginId: old.loginId } : {}),
        ...(old.userType ? { userType: old.userType } : {}),
      });
      const refresh = await this.refreshTokens.mint(ctx, access, old.familyId, tx);
      return this.withRefresh(access, refresh);
    });
    if (outcome.outcome !== 'ok') {
      const why = {
        invalid: 'is not valid',
        expired: 'expired',
        reused: 'was already used',
        revoked: 'was revoked',
      }[outcome.outcome];
      this.metrics?.failed(`refresh token ${outcome.outcome}`);
      throw new OAuthError('invalid_grant', `The refresh token ${why}.`);
    }
    return outcome.value;
  }

  private withRefresh(
    access: { token: string; expiresIn: number; scope: string },
    refresh: string,
  ): TokenResponse {
    return {
      access_token: access.token,
      token_type: 'Bearer',
      expires_in: access.expiresIn,
      scope: access.scope,
      refresh_token: refresh,
      refresh_token_expires_in: this.env.REFRESH_TOKEN_TTL_SECONDS,
    };
  }

  private unauthorized(grant: string): OAuthError {
    return new OAuthError('unauthorized_client', `This client may not use the ${grant} grant.`);
  }

  /** RFC 7662. Tokens of another institution read as inactive. */
  async introspect(caller: ClientEntity, params: FormParams): Promise<Introspection> {
    const token = required(params, 'token');
    const sameFi = (institutionId: string) =>
      caller.institutionId === institutionId || caller.institutionId === PLATFORM_INSTITUTION_ID;

    const claims = await this.verifyAccessToken(token);
    if (claims) {
      if (
        !sameFi(String(claims.institution_id)) ||
        (await this.revocations.isRevoked(String(claims.jti)))
      ) {
        return { active: false };
      }
      return { active: true, token_type: 'Bearer', ...claims };
    }
    const refresh = await this.refreshTokens.findByToken(token);
    if (
      !refresh ||
      refresh.usedAt ||
      refresh.revokedAt ||
      refresh.expiresAt.getTime() <= Date.now() ||
      !sameFi(refresh.institutionId)
    ) {
      return { active: false };
    }
    return {
      active: true,
      token_type: 'refresh_token',
      scope: refresh.scope,
      client_id: refresh.clientId,
      sub: refresh.subject,
      institution_id: refresh.institutionId,
      iat: Math.floor(refresh.createdAt.getTime() / 1000),
      exp: Math.floor(refresh.expiresAt.getTime() / 1000),
      iss: this.env.AUTH_ISSUER,
    };
  }

  /**
   * RFC 7009. Only the client a token was issued to can revoke it; any other token, unknown
   * or not, gets the same 200 so that revocation reveals nothing.
   */
  async revoke(caller: ClientEntity, params: FormParams): Promise<void> {
    const token = required(params, 'token');
    // RFC 7009 §2.1: token_type_hint only speeds up the search; both kinds are tried anyway.
    const claims = await this.verifyAccessToken(token);
    if (claims) {
      if (claims.client_id === caller.clientId) {
        await this.revocations.revoke([
          {
            jti: String(claims.jti),
            institutionId: String(claims.institution_id),
            clientId: caller.clientId,
            expiresAt: new Date(Number(claims.exp) * 1000),
          },
        ]);
      }
      return;
    }
    const refresh = await this.refreshTokens.findByToken(token);
    if (refresh && refresh.clientId === caller.clientId)
      await this.refreshTokens.revokeFamily(refresh.familyId);
  }

  private async verifyAccessToken(token: string): Promise<Record<string, unknown> | undefined> {
    if (token.split('.').length !== 3) return undefined;
    try {
      const { payload } = await jwtVerify(
        token,
        (header) => this.keys.resolve({ kid: header.kid, alg: header.alg }),
        {
          issuer: this.env.AUTH_ISSUER,
          audience: this.env.AUTH_AUDIENCE,
          algorithms: ['ES256'],
          typ: 'at+jwt',
        },
      );
      return payload as Record<string, unknown>;
    } catch {
      return undefined;
    }
  }
}

import { randomUUID, sign } from 'node:crypto';
import { Injectable } from '@nestjs/common';
import { ACCESS_TOKEN_ALG, ACCESS_TOKEN_TYPE, PLATFORM_INSTITUTION_ID, toLowS } from '@app/common';
import { AuthEnv } from '../config/auth.env';
import { SigningKeysService } from '../keys/signing-keys.service';

export interface AccessTokenRequest {
  subject: string;
  clientId: string;
  institutionId: string;
  scopes: readonly string[];
  loginId?: string;
  userType?: string;
}

export interface IssuedAccessToken {
  token: string;
  jti: string;
  expiresIn: number;
  expiresAt: Date;
  scope: string;
}

/** Signs RFC 9068 access tokens (ES256, `typ: at+jwt`, `kid`) with the active key. */
@Injectable()
export class AccessTokenIssuer {
  private internal = new Map<string, IssuedAccessToken>();
  private headers = new Map<string, string>();

  constructor(
    private readonly keys: SigningKeysService,
    private readonly env: AuthEnv,
  ) {}

  async issue(
    request: AccessTokenRequest,
    ttlSeconds = this.env.ACCESS_TOKEN_TTL_SECONDS,
  ): Promise<IssuedAccessToken> {
    const { kid, privateKey } = this.keys.signingKey();
    const now = Math.floor(Date.now() / 1000);
    const jti = randomUUID();
    const scope = request.scopes.join(' ');
    const claims = {
      iss: this.env.AUTH_ISSUER,
      aud: this.env.AUTH_AUDIENCE,
      sub: request.subject,
      client_id: request.clientId,
      institution_id: request.institutionId,
      scope,
      ...(request.loginId !== undefined ? { login_id: request.loginId } : {}),
      ...(request.userType !== undefined ? { user_type: request.userType } : {}),
      iat: now,
      exp: now + ttlSeconds,
      jti,
    };
    // Signed with node:crypto directly: the token endpoint's hot path. jose's WebCrypto route costs
    // an extra thread-pool round trip per token (bench/auth-token.bench.ts); verification, JWKS
    // and key handling stay with jose, and the tests verify these tokens with jose and oauth4webapi.
    const signingInput = `${this.header(kid)}.${Buffer.from(JSON.stringify(claims)).toString('base64url')}`;
    // Low-S, the only form the platform's verifiers accept (OpenSSL makes high S half the time).
    const signature = toLowS(
      sign('sha256', Buffer.from(signingInput), { key: privateKey, dsaEncoding: 'ieee-p1363' }),
    );
    const token = `${signingInput}.${signature.toString('base64url')}`;
    return {
      token,
      jti,
      expiresIn: ttlSeconds,
      expiresAt: new Date((now + ttlSeconds) * 1000),
      scope,
    };
  }

  private header(kid: string): string {
    let encoded = this.headers.get(kid);
    if (!encoded) {
      encoded = Buffer.from(
        JSON.stringify({ alg: ACCESS_TOKEN_ALG, typ: ACCESS_TOKEN_TYPE, kid }),
      ).toString('base64url');
      this.headers.set(kid, encoded);
    }
    return encoded;
  }

  /** A short-lived token the auth-server itself presents to another service (e.g. credential checks). */
  async internalToken(scope: string): Promise<string> {
    const cached = this.internal.get(scope);
    if (cached && cached.expiresAt.getTime() - Date.now() > 60_000) return cached.token;
    const issued = await this.issue(
      {
        subject: 'auth-server',
        clientId: 'auth-server',
        institutionId: PLATFORM_INSTITUTION_ID,
        scopes: [scope],
      },
      300,
    );
    this.internal.set(scope, issued);
    return issued.token;
  }
}

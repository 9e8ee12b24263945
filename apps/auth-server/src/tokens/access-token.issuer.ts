import { randomUUID } from 'node:crypto';
import { Injectable } from '@nestjs/common';
import { ACCESS_TOKEN_ALG, ACCESS_TOKEN_TYPE, PLATFORM_INSTITUTION_ID } from '@app/common';
import { SignJWT } from 'jose';
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
    const token = await new SignJWT({
      client_id: request.clientId,
      institution_id: request.institutionId,
      scope,
      ...(request.loginId !== undefined ? { login_id: request.loginId } : {}),
      ...(request.userType !== undefined ? { user_type: request.userType } : {}),
    })
      .setProtectedHeader({ alg: ACCESS_TOKEN_ALG, typ: ACCESS_TOKEN_TYPE, kid })
      .setIssuer(this.env.AUTH_ISSUER)
      .setAudience(this.env.AUTH_AUDIENCE)
      .setSubject(request.subject)
      .setIssuedAt(now)
      .setExpirationTime(now + ttlSeconds)
      .setJti(jti)
      .sign(privateKey);
    return {
      token,
      jti,
      expiresIn: ttlSeconds,
      expiresAt: new Date((now + ttlSeconds) * 1000),
      scope,
    };
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

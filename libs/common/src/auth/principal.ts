/** Who is calling, as proven by a verified access token. */
export interface AccessPrincipal {
  /** `sub`: the client id, or the customer id for a password-grant token. */
  subject: string;
  clientId: string;
  /** The financial institution every read and write is confined to. */
  institutionId: string;
  scopes: ReadonlySet<string>;
  jti: string;
  expiresAt: Date;
  /** `iat`: set on every verified token (a disabled client's earlier tokens are refused). */
  issuedAt?: Date;
  /** Present on password-grant (customer) tokens. */
  loginId?: string;
  userType?: string;
}

/** Claims of the platform's access tokens (RFC 9068 profile). */
export interface AccessTokenClaims {
  iss: string;
  aud: string | string[];
  sub: string;
  client_id: string;
  institution_id: string;
  scope: string;
  iat: number;
  exp: number;
  jti: string;
  login_id?: string;
  user_type?: string;
}

export const isCustomerPrincipal = (p: AccessPrincipal): boolean => p.loginId !== undefined;

export function principalFromClaims(claims: AccessTokenClaims): AccessPrincipal {
  return {
    subject: claims.sub,
    clientId: claims.client_id,
    institutionId: claims.institution_id,
    scopes: new Set(claims.scope.split(' ').filter(Boolean)),
    jti: claims.jti,
    expiresAt: new Date(claims.exp * 1000),
    issuedAt: new Date(claims.iat * 1000),
    ...(claims.login_id !== undefined ? { loginId: claims.login_id } : {}),
    ...(claims.user_type !== undefined ? { userType: claims.user_type } : {}),
  };
}

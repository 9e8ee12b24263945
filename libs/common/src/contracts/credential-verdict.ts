/**
 * The internal credential check between the auth-server's password grant and the
 * customer-service (POST /internal/v1/credentials/verify, docs/internal-apis.md): one copy of the
 * wire types, so the two sides cannot drift apart.
 */
export interface CredentialCheck {
  institutionId: string;
  loginId: string;
  password: string;
  clientId: string;
  ipAddress: string;
  userAgent?: string;
}

/** The customer-service's answer. A locked account is told apart only for the auth-server's logs. */
export type CredentialVerdict =
  | { result: 'ok'; customerId: string; loginId: string; userType: string }
  | { result: 'invalid' }
  | { result: 'locked' };

export const CREDENTIAL_VERDICT_RESULTS = ['ok', 'invalid', 'locked'] as const;

/**
 * The password grant's view of customer-service: customer-service owns the credentials and
 * the lockout; the auth-server only asks. Wire format: docs/internal-apis.md.
 */
export interface CredentialCheck {
  institutionId: string;
  loginId: string;
  password: string;
  clientId: string;
  ipAddress: string;
  userAgent?: string;
}

export type CredentialVerdict =
  | { result: 'ok'; customerId: string; loginId: string; userType: string }
  | { result: 'invalid' }
  | { result: 'locked' }
  | { result: 'unavailable' };

export interface CustomerCredentialsPort {
  /** `transactionId` travels as a header so customer-service's records join the token request. */
  verify(check: CredentialCheck, transactionId?: string): Promise<CredentialVerdict>;
}

export const CUSTOMER_CREDENTIALS = Symbol('CUSTOMER_CREDENTIALS');

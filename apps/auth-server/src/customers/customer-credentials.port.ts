import type { CredentialCheck, CredentialVerdict as WireVerdict } from '@app/common';

export type { CredentialCheck };

/** The customer-service's verdict (the shared wire type), or `unavailable` when it could not be asked. */
export type CredentialVerdict = WireVerdict | { result: 'unavailable' };

/**
 * The password grant's view of customer-service: customer-service owns the credentials and
 * the lockout; the auth-server only asks. Wire format: docs/internal-apis.md.
 */
export interface CustomerCredentialsPort {
  /** `transactionId` travels as a header so customer-service's records join the token request. */
  verify(check: CredentialCheck, transactionId?: string): Promise<CredentialVerdict>;
}

export const CUSTOMER_CREDENTIALS = Symbol('CUSTOMER_CREDENTIALS');

/** The developer behind a request's session, as the session lookup found them. */
export interface SignedIn {
  /** Hex SHA-256 of the session id: what CSRF tokens are bound to, never the id itself. */
  sessionKey: string;
  developerId: string;
  email: string;
  name: string;
  verified: boolean;
  organizationId: string | null;
  institutionId: string | null;
  /** Every provisioning step is done. */
  provisioned: boolean;
}

/**
 * What pages get from @CurrentDeveloper(): a verified developer whose sandbox organization is
 * provisioned (OrganizationGuard makes sure before the handler runs).
 */
export interface CurrentDeveloperView {
  developerId: string;
  email: string;
  name: string;
  organizationId: string;
  /** The organization's sandbox FI (`sbx-...`): every call to the APIs is for this FI only. */
  institutionId: string;
}

import { createHash } from 'node:crypto';
import { SANDBOX_INSTITUTION_PREFIX } from '../auth/scopes';

/**
 * The developer portal's sandbox organizations (docs/internal-apis.md, "Sandbox FIs"): the one
 * sample roster that both the customer-service (sample customers) and the activity-service
 * (sample activity) seed, so that a developer's searches by login id or customer id find the
 * activity of customers who exist and can log in.
 */

/** Any institution id, as the auth-server's clients and the activity batches spell them. */
export const INSTITUTION_ID_PATTERN = /^[A-Za-z0-9_-]{1,64}$/;

/** A sandbox FI: SANDBOX_INSTITUTION_PREFIX and at least one more character. */
export const isSandboxInstitution = (institutionId: string): boolean =>
  institutionId.length > SANDBOX_INSTITUTION_PREFIX.length &&
  institutionId.startsWith(SANDBOX_INSTITUTION_PREFIX) &&
  INSTITUTION_ID_PATTERN.test(institutionId);

/**
 * Every sample customer's password. Sandbox only (an `sbx-` FI never holds real customers), so
 * it is published: the seed's answer carries it for the portal to show. 15+ characters and none
 * of the roster's login ids or names, so it passes the NIST 800-63B policy of registrations.
 */
export const SANDBOX_SAMPLE_PASSWORD = 'copper kettle whistles at noon';

export interface SandboxSampleUser {
  /** Unique in the FI; the same in the customer-service and in the activity. */
  loginId: string;
  firstName: string;
  lastName: string;
  userType: 'RETAIL' | 'BUSINESS';
  /** The company (business users only); several users share one. */
  institutionCustomerId?: string;
  /** How this user mostly banks (the activity generator's channel). */
  channel: 'online' | 'mobile';
}

/** The sample roster: retail customers, and business users of two companies (and a third alone). */
export const SANDBOX_SAMPLE_USERS: readonly SandboxSampleUser[] = [
  {
    loginId: 'olivia.smith',
    firstName: 'Olivia',
    lastName: 'Smith',
    userType: 'RETAIL',
    channel: 'mobile',
  },
  {
    loginId: 'liam.johnson',
    firstName: 'Liam',
    lastName: 'Johnson',
    userType: 'RETAIL',
    channel: 'online',
  },
  {
    loginId: 'emma.garcia',
    firstName: 'Emma',
    lastName: 'Garcia',
    userType: 'RETAIL',
    channel: 'mobile',
  },
  {
    loginId: 'noah.miller',
    firstName: 'Noah',
    lastName: 'Miller',
    userType: 'RETAIL',
    channel: 'online',
  },
  {
    loginId: 'sophia.lee',
    firstName: 'Sophia',
    lastName: 'Lee',
    userType: 'RETAIL',
    channel: 'mobile',
  },
  {
    loginId: 'ava.davis',
    firstName: 'Ava',
    lastName: 'Davis',
    userType: 'BUSINESS',
    institutionCustomerId: 'acme-corp',
    channel: 'online',
  },
  {
    loginId: 'elijah.hall',
    firstName: 'Elijah',
    lastName: 'Hall',
    userType: 'BUSINESS',
    institutionCustomerId: 'acme-corp',
    channel: 'mobile',
  },
  {
    loginId: 'mia.walker',
    firstName: 'Mia',
    lastName: 'Walker',
    userType: 'BUSINESS',
    institutionCustomerId: 'globex-inc',
    channel: 'online',
  },
  {
    loginId: 'james.young',
    firstName: 'James',
    lastName: 'Young',
    userType: 'BUSINESS',
    institutionCustomerId: 'globex-inc',
    channel: 'online',
  },
  {
    loginId: 'harper.king',
    firstName: 'Harper',
    lastName: 'King',
    userType: 'BUSINESS',
    institutionCustomerId: 'initech-llc',
    channel: 'mobile',
  },
];

/**
 * The customer id of a sample user in a sandbox FI: derived from both (a UUID-shaped SHA-256),
 * so that the customer-service registers the customer under the very id the activity-service
 * puts on the sample events, without either asking the other.
 */
export function sandboxCustomerId(institutionId: string, loginId: string): string {
  const h = createHash('sha256')
    .update(`sandbox-customer\u0000${institutionId}\u0000${loginId.toLowerCase()}`)
    .digest();
  // RFC 9562 version 8 (custom) and the RFC variant bits.
  h[6] = (h[6]! & 0x0f) | 0x80;
  h[8] = (h[8]! & 0x3f) | 0x80;
  const hex = h.subarray(0, 16).toString('hex');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}

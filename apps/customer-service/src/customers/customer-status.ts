/** `userStatus` values of the contract. */
export const USER_STATUSES = ['registered', 'active', 'locked', 'needsToAcceptDisclosure'] as const;
export type UserStatus = (typeof USER_STATUSES)[number];

export const USER_TYPES = ['RETAIL', 'BUSINESS'] as const;
export type UserType = (typeof USER_TYPES)[number];

/*
 * Every `userStatus` the service writes is decided in this file: registration, login,
 * lockout, unlock, acceptance and a disclosure taking effect all ask here.
 */

/**
 * The status a customer settles in when nothing holds it: `registered` until the first
 * successful login, `active` after. A lock wins over pending disclosures, which win over that.
 */
export function settledStatus(input: {
  locked: boolean;
  pendingDisclosures: number;
  lastLoginAt: Date | null;
}): UserStatus {
  if (input.locked) return 'locked';
  if (input.pendingDisclosures > 0) return 'needsToAcceptDisclosure';
  return input.lastLoginAt ? 'active' : 'registered';
}

/**
 * After a successful login: `registered` becomes `active`; any other status stays (a customer
 * in `needsToAcceptDisclosure` logs in to accept, a locked one never gets here).
 */
export const statusAfterLogin = (status: UserStatus): UserStatus =>
  status === 'registered' ? 'active' : status;

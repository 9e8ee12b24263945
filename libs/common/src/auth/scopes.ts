/** Every scope the platform knows. Services name these constants, never string literals. */
export const Scope = {
  CustomersWrite: 'customers:write',
  CustomersRead: 'customers:read',
  ProfileRead: 'profile:read',
  ProfileWrite: 'profile:write',
  DisclosuresRead: 'disclosures:read',
  DisclosuresWrite: 'disclosures:write',
  BankingActivitiesRead: 'banking-activities:read',
  BankingActivitiesWrite: 'banking-activities:write',
  AccountRead: 'account:read',
  /** Manage the FI's activity delivery subscriptions and read their delivery log (apps only). */
  BankingActivitiesDeliveries: 'banking-activities:deliveries',
  ClientsAdmin: 'clients:admin',
  /** auth-server -> customer-service: check a customer's username and password. */
  InternalCredentialsVerify: 'internal:credentials:verify',
  /** customer-service -> activity-service: deliver events for any FI. */
  InternalEventsWrite: 'internal:events:write',
  /** Resource servers -> auth-server: read the revoked-token feed (every FI's). */
  InternalRevocationsRead: 'internal:revocations:read',
  /** developer-portal -> customer/activity-service: wipe and seed a sandbox FI's data. */
  InternalSandboxAdmin: 'internal:sandbox:admin',
} as const;

export type ScopeName = (typeof Scope)[keyof typeof Scope];

/** Scopes an FI's own applications may hold (the sandbox client gets all of them). */
export const FI_SCOPES: readonly ScopeName[] = [
  Scope.CustomersWrite,
  Scope.CustomersRead,
  Scope.ProfileRead,
  Scope.ProfileWrite,
  Scope.DisclosuresRead,
  Scope.DisclosuresWrite,
  Scope.BankingActivitiesRead,
  Scope.BankingActivitiesWrite,
  Scope.AccountRead,
  Scope.BankingActivitiesDeliveries,
];

/**
 * The only scopes a customer's (password-grant) token can carry: what a customer may do for
 * themselves. Never an FI write, ingest or admin scope; with these, every route answers for
 * that one customer (docs/SECURITY.md).
 */
export const CUSTOMER_SCOPES: readonly ScopeName[] = [
  Scope.ProfileRead,
  Scope.ProfileWrite,
  Scope.DisclosuresRead,
  Scope.BankingActivitiesRead,
  Scope.AccountRead,
];

/** Scopes only the platform's own services hold. */
export const INTERNAL_SCOPES: readonly ScopeName[] = [
  Scope.InternalCredentialsVerify,
  Scope.InternalEventsWrite,
  Scope.InternalRevocationsRead,
  Scope.InternalSandboxAdmin,
];

/**
 * Institution ids of the developer portal's sandbox organizations start with this; the
 * sandbox wipe and seed endpoints refuse any other FI.
 */
export const SANDBOX_INSTITUTION_PREFIX = 'sbx-';

export const ALL_SCOPES: readonly ScopeName[] = [
  ...FI_SCOPES,
  Scope.ClientsAdmin,
  ...INTERNAL_SCOPES,
];

/** Spellings accepted on input and stored under their canonical name. */
export const SCOPE_ALIASES: Readonly<Record<string, ScopeName>> = {
  // The published sandbox seed has this typo; clients copied it, so it keeps working.
  'banking-activites:read': Scope.BankingActivitiesRead,
};

export const isKnownScope = (s: string): s is ScopeName =>
  (ALL_SCOPES as readonly string[]).includes(s);

export const canonicalScope = (s: string): string => SCOPE_ALIASES[s] ?? s;

/** The institution id of the platform operator; its admin clients manage every FI. */
export const PLATFORM_INSTITUTION_ID = 'platform';

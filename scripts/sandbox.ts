/**
 * The local sandbox's fixed defaults: `npm start` uses them unless SANDBOX_* variables say
 * otherwise, and the committed Postman environment (docs/postman) carries the same values, so it
 * works against `npm start` without edits. Local only: production never runs in sandbox mode.
 */
export const SANDBOX = {
  institutionId: 'sandbox-fi',
  clientId: 'sandbox-app',
  clientSecret: 'sandbox-app-local-secret-do-not-use-in-production',
} as const;

export const LOCAL_URLS = {
  auth: 'http://localhost:3001',
  customer: 'http://localhost:3002',
  activity: 'http://localhost:3003',
} as const;

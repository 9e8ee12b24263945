/**
 * The comparison criteria of the Banking Activity search's filter conditions, one copy for the
 * activity-service (its schema and parser) and the developer portal's test drive (its form).
 */
export const CRITERIA = [
  'equals',
  'notEquals',
  'in',
  'notIn',
  'contains',
  'startsWith',
  'exists',
  'greaterThan',
  'lessThan',
] as const;

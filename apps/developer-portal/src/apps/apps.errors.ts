import { DomainError, type FieldError } from '@app/common';

export const AppErrors = {
  /** Unknown, or another organization's: the same answer, so ids of others are not revealed. */
  notFound: () => new DomainError('PORTAL_APP_NOT_FOUND', 'not_found', 'There is no such app.'),
  invalidFields: (errors: FieldError[]) =>
    new DomainError('PORTAL_INVALID_FIELDS', 'invalid', 'Some fields need your attention.', {
      errors,
    }),
  disabled: () =>
    new DomainError(
      'PORTAL_APP_REVOKED',
      'conflict',
      'This app is revoked: its keys no longer work.',
    ),
};

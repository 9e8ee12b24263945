import { DomainError, type FieldError } from '@app/common';

export const AccountErrors = {
  invalidFields: (errors: FieldError[]) =>
    new DomainError('PORTAL_INVALID_FIELDS', 'invalid', 'Some fields need your attention.', {
      errors,
    }),
  /** The same words whether the email is unknown or the password wrong. */
  badCredentials: () =>
    new DomainError(
      'PORTAL_BAD_CREDENTIALS',
      'unauthenticated',
      'The email address or password is not right.',
    ),
  linkInvalid: () =>
    new DomainError(
      'PORTAL_LINK_INVALID',
      'invalid',
      'This link is not valid: it has been used already, has expired, or was copied incompletely.',
    ),
};

import { DomainError, type FieldError } from '@app/common';

/** The auth-server's domain errors (admin API); stable codes, status decided by kind. */
export const AuthErrors = {
  clientNotFound: (clientId: string) =>
    new DomainError('AUTH_CLIENT_NOT_FOUND', 'not_found', `No client ${clientId}.`),
  institutionForbidden: () =>
    new DomainError(
      'AUTH_INSTITUTION_FORBIDDEN',
      'forbidden',
      'This admin client cannot manage that institution.',
    ),
  platformOnly: () =>
    new DomainError(
      'AUTH_PLATFORM_ADMIN_REQUIRED',
      'forbidden',
      'Only a platform admin client can do this.',
    ),
  invalidClientRequest: (errors: FieldError[]) =>
    new DomainError(
      'AUTH_INVALID_CLIENT_REQUEST',
      'invalid',
      'The client definition is not acceptable.',
      { errors },
    ),
  clientIdTaken: (clientId: string) =>
    new DomainError('AUTH_CLIENT_ID_TAKEN', 'conflict', `A client ${clientId} already exists.`),
  invalidSince: () =>
    new DomainError('AUTH_INVALID_SINCE', 'invalid', 'since must be an ISO 8601 date-time.', {
      errors: [{ pointer: '/since', detail: 'must be an ISO 8601 date-time' }],
    }),
};

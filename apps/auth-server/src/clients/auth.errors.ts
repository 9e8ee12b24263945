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
  invalidPreviousSecretExpiresIn: () =>
    new DomainError(
      'VALIDATION_FAILED',
      'invalid',
      'previousSecretExpiresIn must be an integer from 0 to 604800.',
      {
        errors: [
          { pointer: '/previousSecretExpiresIn', detail: 'must be an integer from 0 to 604800' },
        ],
      },
    ),
  concurrentRotation: (clientId: string) =>
    new DomainError(
      'AUTH_CONCURRENT_ROTATION',
      'conflict',
      `The secret of ${clientId} is being rotated by another request; retry.`,
    ),
  clientDisabled: (clientId: string) =>
    new DomainError('AUTH_CLIENT_DISABLED', 'conflict', `The client ${clientId} is disabled.`),
  grantNotAllowed: (clientId: string) =>
    new DomainError(
      'AUTH_CLIENT_GRANT_NOT_ALLOWED',
      'conflict',
      `The client ${clientId} may not use the client_credentials grant, which try-it tokens are.`,
    ),
  invalidTokenRequest: (errors: FieldError[]) =>
    new DomainError(
      'AUTH_INVALID_TOKEN_REQUEST',
      'invalid',
      'The token cannot be issued as asked.',
      { errors },
    ),
  invalidSince: () =>
    new DomainError('AUTH_INVALID_SINCE', 'invalid', 'since must be an ISO 8601 date-time.', {
      errors: [{ pointer: '/since', detail: 'must be an ISO 8601 date-time' }],
    }),
};

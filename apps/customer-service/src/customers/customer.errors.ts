import {
  DomainError,
  ProblemException,
  SANDBOX_INSTITUTION_PREFIX,
  type FieldError,
} from '@app/common';

/**
 * Every error the customer-service raises, with its stable code. A DomainError's HTTP status
 * follows from its kind (libs/common STATUS_BY_KIND); the few ProblemExceptions here (415, and
 * the 400 shaped like ValidationPipe's) name their status themselves.
 */
export const CustomerErrors = {
  customerNotFound: () =>
    new DomainError('CUS_CUSTOMER_NOT_FOUND', 'not_found', 'No such customer.'),
  loginIdTaken: () =>
    new DomainError('CUS_LOGIN_ID_TAKEN', 'conflict', 'This loginId is already taken.', {
      errors: [{ pointer: '/loginId', detail: 'is already taken' }],
    }),
  disclosureRequired: (missing: { disclosureId: string; version: string }[]) =>
    new DomainError(
      'CUS_DISCLOSURE_REQUIRED',
      'unprocessable',
      `Every required disclosure must be accepted: ${missing
        .map((d) => `${d.disclosureId} version ${d.version}`)
        .join(', ')}.`,
      {
        errors: [{ pointer: '/acceptedDisclosures', detail: 'lacks a required disclosure' }],
        extensions: { requiredDisclosures: missing },
      },
    ),
  disclosureNotInForce: (errors: FieldError[]) =>
    new DomainError(
      'CUS_DISCLOSURE_NOT_IN_FORCE',
      'unprocessable',
      'Only the version of a disclosure in force can be accepted.',
      { errors },
    ),
  disclosureNotFound: () =>
    new DomainError('CUS_DISCLOSURE_NOT_FOUND', 'not_found', 'No such disclosure version.'),
  disclosureVersionExists: () =>
    new DomainError(
      'CUS_DISCLOSURE_VERSION_EXISTS',
      'conflict',
      'This version of the disclosure was already published; publish a new version instead.',
      { errors: [{ pointer: '/version', detail: 'already exists' }] },
    ),
  preconditionFailed: () =>
    new DomainError(
      'CUS_PRECONDITION_FAILED',
      'precondition_failed',
      'The customer changed since it was read (If-Match does not match the current ETag).',
    ),
  immutableFields: (errors: FieldError[]) =>
    new DomainError(
      'CUS_IMMUTABLE_FIELD',
      'invalid',
      'Only emailAddress, phoneNumber and postalAddress can be changed.',
      { errors },
    ),
  unsupportedPatchType: () =>
    new ProblemException(415, {
      code: 'CUS_UNSUPPORTED_MEDIA_TYPE',
      detail: 'A profile change is sent as application/merge-patch+json (RFC 7396).',
      headers: { 'Accept-Patch': 'application/merge-patch+json' },
    }),
  idempotencyKeyInvalid: () =>
    new DomainError(
      'CUS_IDEMPOTENCY_KEY_INVALID',
      'invalid',
      'Idempotency-Key must be 1 to 255 visible ASCII characters.',
    ),
  idempotencyKeyReused: () =>
    new DomainError(
      'CUS_IDEMPOTENCY_KEY_REUSED',
      'unprocessable',
      'This Idempotency-Key was already used with a different request.',
    ),
  idempotencyInFlight: () =>
    new DomainError(
      'CUS_IDEMPOTENCY_IN_FLIGHT',
      'conflict',
      'A request with this Idempotency-Key is still being processed; retry shortly.',
      { headers: { 'Retry-After': '1' } },
    ),
  rateLimited: (retryAfterSeconds: number) =>
    new DomainError('CUS_RATE_LIMITED', 'too_many_requests', 'Too many registrations; slow down.', {
      headers: { 'Retry-After': String(retryAfterSeconds) },
    }),
  sandboxInstitutionRequired: () =>
    new DomainError(
      'CUS_SANDBOX_INSTITUTION_REQUIRED',
      'forbidden',
      `Only a sandbox institution (its id starting with ${SANDBOX_INSTITUTION_PREFIX}) can be seeded or wiped.`,
    ),
  /** Field errors found after the request's shape was validated (same shape as ValidationPipe's). */
  invalidFields: (errors: FieldError[]) =>
    new ProblemException(400, {
      code: 'VALIDATION_FAILED',
      title: 'Validation Failed',
      detail: `The request has ${errors.length} invalid field${errors.length === 1 ? '' : 's'}.`,
      errors,
    }),
};

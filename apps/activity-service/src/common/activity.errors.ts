import {
  DomainError,
  SANDBOX_INSTITUTION_PREFIX,
  type ErrorKind,
  type FieldError,
} from '@app/common';

/**
 * Domain errors of the Banking Activity API. Candescent's codes (BAS_100xx) are the stable
 * `code`, and are repeated as `errorCode` / `errorMessage` so clients written against those
 * APIs find them where they look.
 */
function basError(
  code: string,
  kind: ErrorKind,
  detail: string,
  errors?: FieldError[],
): DomainError {
  return new DomainError(code, kind, detail, {
    ...(errors ? { errors } : {}),
    extensions: { errorCode: code, errorMessage: detail },
  });
}

/** Field errors listed in one answer at most; the detail still counts them all. */
export const MAX_LISTED_ERRORS = 100;

export const ActivityErrors = {
  startNotBeforeEnd: () =>
    basError('BAS_10001', 'invalid', 'startTime must be before endTime.', [
      { pointer: '/startTime', detail: 'must be before endTime' },
    ]),
  startBeyondLookback: (days: number) =>
    basError('BAS_10002', 'invalid', `startTime is beyond the look-back window of ${days} days.`, [
      { pointer: '/startTime', detail: `must be within the last ${days} days` },
    ]),
  invalidArguments: (errors: FieldError[]) =>
    basError(
      'BAS_10005',
      'invalid',
      errors.length === 1
        ? `Invalid argument: ${errors[0]!.pointer || '/'} ${errors[0]!.detail}.`
        : errors.length > MAX_LISTED_ERRORS
          ? `${errors.length} invalid arguments; the first ${MAX_LISTED_ERRORS} are listed.`
          : `${errors.length} invalid arguments.`,
      // A body of 20,000 unknown keys must not get an answer larger than itself.
      errors.slice(0, MAX_LISTED_ERRORS),
    ),
  invalidPageToken: () =>
    basError(
      'BAS_10005',
      'invalid',
      'nextPageToken is not valid for these filters (or was not issued by this service).',
      [{ pointer: '/nextPageToken', detail: 'does not belong to this search' }],
    ),
  invalidCursor: () =>
    basError('BAS_10005', 'invalid', 'The cursor is not valid for this institution.', [
      { pointer: '/cursor', detail: 'is not a cursor issued by this service for this FI' },
    ]),
  unreadableBody: (detail = 'The request body could not be read as a JSON object.') =>
    basError('BAS_10006', 'invalid', detail),
  repeatedCondition: (pointer: string) =>
    basError(
      'BAS_10008',
      'invalid',
      'A sub-filter repeats the condition of its parent filter; merge them instead.',
      [{ pointer, detail: 'has the same condition as its parent' }],
    ),
  invalidUserType: () =>
    basError('BAS_10009', 'invalid', 'userType must be retail or business.', [
      { pointer: '/userType', detail: 'must be retail or business' },
    ]),
  invalidUserIdType: () =>
    basError('BAS_10010', 'invalid', 'userIdType must be loginId or customerId.', [
      { pointer: '/userIdType', detail: 'must be loginId or customerId' },
    ]),
  invalidEvents: (errors: FieldError[], total: number) =>
    basError(
      'BAS_10005',
      'invalid',
      `The batch was refused: ${total} invalid field${total === 1 ? '' : 's'}; nothing was stored.`,
      errors,
    ),
  institutionForbidden: (pointer: string) =>
    new DomainError(
      'ACTIVITY_INSTITUTION_FORBIDDEN',
      'forbidden',
      "An event names another institution than the access token's; nothing was stored.",
      { errors: [{ pointer, detail: "must be the access token's institution" }] },
    ),
  otherCustomersActivity: () =>
    new DomainError(
      'ACTIVITY_CUSTOMER_FORBIDDEN',
      'forbidden',
      "A customer's token reads that customer's own activity only: name them in userId or userIds (by loginId or customerId), and nobody else.",
      { errors: [{ pointer: '/userId', detail: "must be the token's own customer" }] },
    ),
  tooManyStreams: (limit: number) =>
    new DomainError(
      'ACTIVITY_TOO_MANY_STREAMS',
      'too_many_requests',
      `This client already holds ${limit} open activity streams; close one first.`,
      { headers: { 'Retry-After': '5' } },
    ),
  unavailable: (detail: string) =>
    new DomainError('ACTIVITY_UNAVAILABLE', 'unavailable', detail, {
      headers: { 'Retry-After': '5' },
    }),
  subscriptionNotFound: () =>
    new DomainError(
      'ACTIVITY_SUBSCRIPTION_NOT_FOUND',
      'not_found',
      'No delivery subscription of this institution has that id.',
    ),
  notAWebhook: () =>
    new DomainError(
      'ACTIVITY_SUBSCRIPTION_NOT_WEBHOOK',
      'conflict',
      'This subscription does not deliver to a webhook: it has no secret and no test delivery.',
    ),
  sandboxInstitutionRequired: () =>
    new DomainError(
      'ACTIVITY_SANDBOX_INSTITUTION_REQUIRED',
      'forbidden',
      `Only a sandbox institution (its id starting with ${SANDBOX_INSTITUTION_PREFIX}) can be seeded or wiped.`,
    ),
  sandboxBusy: () =>
    new DomainError(
      'ACTIVITY_SANDBOX_BUSY',
      'conflict',
      'Another seed or wipe of this sandbox institution is still running; retry shortly.',
      { headers: { 'Retry-After': '5' } },
    ),
  replayTooLarge: (max: number) =>
    basError(
      'BAS_10005',
      'invalid',
      `The replay range holds more than ${max} matching events; replay shorter ranges.`,
      [{ pointer: '/endTime', detail: 'narrow the range' }],
    ),
};

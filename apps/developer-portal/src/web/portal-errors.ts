import { DomainError } from '@app/common';

/** The portal's stable error codes (rendered as pages; the status comes from the kind). */
export const PortalErrors = {
  signInRequired: () =>
    new DomainError('PORTAL_SIGN_IN_REQUIRED', 'unauthenticated', 'Please log in to continue.'),
  verificationRequired: () =>
    new DomainError(
      'PORTAL_EMAIL_NOT_VERIFIED',
      'forbidden',
      'Verify your email address first: open the link in the mail we sent you.',
    ),
  csrfRefused: () =>
    new DomainError(
      'PORTAL_CSRF_REFUSED',
      'forbidden',
      'This form has expired or did not come from the portal. Go back, reload the page and try again.',
    ),
  /** The organization is not ready yet; a browser is sent to /welcome to finish it. */
  provisioningUnfinished: () =>
    new DomainError(
      'PORTAL_PROVISIONING_UNFINISHED',
      'conflict',
      'Your sandbox is not ready yet. Open the Welcome page to finish setting it up.',
    ),
  notFound: () => new DomainError('PORTAL_NOT_FOUND', 'not_found', 'There is no such page.'),
  tooManyRequests: (retryAfterSeconds: number) =>
    new DomainError(
      'PORTAL_RATE_LIMITED',
      'too_many_requests',
      `Too many attempts. Please wait ${Math.ceil(retryAfterSeconds / 60)} minute(s) and try again.`,
      { headers: { 'Retry-After': String(retryAfterSeconds) } },
    ),
  unavailable: (detail: string) => new DomainError('PORTAL_UNAVAILABLE', 'unavailable', detail),
};

/**
 * What went wrong, in the domain's words. The HTTP status is decided in one place
 * (STATUS_BY_KIND) so services never pick status codes themselves.
 */
export type ErrorKind =
  | 'invalid'
  | 'unauthenticated'
  | 'forbidden'
  | 'not_found'
  | 'conflict'
  | 'precondition_failed'
  | 'unprocessable'
  | 'too_many_requests'
  | 'unavailable';

export const STATUS_BY_KIND: Record<ErrorKind, number> = {
  invalid: 400,
  unauthenticated: 401,
  forbidden: 403,
  not_found: 404,
  conflict: 409,
  precondition_failed: 412,
  unprocessable: 422,
  too_many_requests: 429,
  unavailable: 503,
};

export interface FieldError {
  /** JSON pointer (RFC 6901) into the request body, e.g. `/person/ssn`. */
  pointer: string;
  detail: string;
}

export interface DomainErrorOptions {
  errors?: FieldError[];
  headers?: Record<string, string>;
  /** Extra members added to the problem document (e.g. Candescent's errorCode). */
  extensions?: Record<string, unknown>;
}

export class DomainError extends Error {
  constructor(
    /** Stable, documented code such as `CUS_LOGIN_ID_TAKEN`. */
    readonly code: string,
    readonly kind: ErrorKind,
    readonly detail: string,
    readonly options: DomainErrorOptions = {},
  ) {
    super(`${code}: ${detail}`);
    this.name = 'DomainError';
  }

  get status(): number {
    return STATUS_BY_KIND[this.kind];
  }
}

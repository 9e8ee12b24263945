import type { FieldError } from './domain-error';

export const PROBLEM_CONTENT_TYPE = 'application/problem+json';

/** RFC 9457 problem details, with the contract's `code`, `errors` and `transactionId`. */
export interface ProblemDocument {
  type: string;
  title: string;
  status: number;
  detail: string;
  code: string;
  errors?: FieldError[];
  transactionId?: string;
  [extension: string]: unknown;
}

export const problemType = (code: string): string =>
  `urn:digital-banking:problem:${code.toLowerCase().replace(/_/g, '-')}`;

/** Codes for failures that are not a service's own domain errors. */
export const HTTP_CODES: Record<number, { code: string; title: string }> = {
  400: { code: 'BAD_REQUEST', title: 'Bad Request' },
  401: { code: 'UNAUTHORIZED', title: 'Unauthorized' },
  403: { code: 'FORBIDDEN', title: 'Forbidden' },
  404: { code: 'NOT_FOUND', title: 'Not Found' },
  405: { code: 'METHOD_NOT_ALLOWED', title: 'Method Not Allowed' },
  406: { code: 'NOT_ACCEPTABLE', title: 'Not Acceptable' },
  409: { code: 'CONFLICT', title: 'Conflict' },
  412: { code: 'PRECONDITION_FAILED', title: 'Precondition Failed' },
  413: { code: 'PAYLOAD_TOO_LARGE', title: 'Payload Too Large' },
  414: { code: 'URI_TOO_LONG', title: 'URI Too Long' },
  415: { code: 'UNSUPPORTED_MEDIA_TYPE', title: 'Unsupported Media Type' },
  422: { code: 'UNPROCESSABLE', title: 'Unprocessable Content' },
  428: { code: 'PRECONDITION_REQUIRED', title: 'Precondition Required' },
  429: { code: 'TOO_MANY_REQUESTS', title: 'Too Many Requests' },
  500: { code: 'INTERNAL_ERROR', title: 'Internal Server Error' },
  503: { code: 'SERVICE_UNAVAILABLE', title: 'Service Unavailable' },
};

export function titleFor(status: number): string {
  return HTTP_CODES[status]?.title ?? (status >= 500 ? 'Server Error' : 'Client Error');
}

export function codeFor(status: number): string {
  return HTTP_CODES[status]?.code ?? (status >= 500 ? 'INTERNAL_ERROR' : 'BAD_REQUEST');
}

/**
 * The OpenAPI schema of every problem document (components/schemas/Problem); error responses
 * narrow `code` to the codes they can carry.
 */
export const PROBLEM_SCHEMA = {
  type: 'object',
  description:
    'RFC 9457 problem details, with a stable `code`, field errors and the transactionId of the request',
  required: ['type', 'title', 'status', 'detail', 'code'],
  properties: {
    type: {
      type: 'string',
      description: 'URN naming the problem, derived from code',
      example: 'urn:digital-banking:problem:validation-failed',
    },
    title: { type: 'string', example: 'Validation Failed' },
    status: { type: 'integer', minimum: 400, maximum: 599, example: 400 },
    detail: { type: 'string', example: 'The request has 1 invalid field.' },
    code: {
      type: 'string',
      description: 'Stable code to branch on (the title and detail are for people)',
      example: 'VALIDATION_FAILED',
    },
    errors: {
      type: 'array',
      description:
        'Field errors: JSON pointers into the request body (path/, query/, header/ for other parts)',
      items: {
        type: 'object',
        required: ['pointer', 'detail'],
        properties: {
          pointer: { type: 'string', example: '/person/ssn' },
          detail: { type: 'string', example: 'must be a valid SSN' },
        },
      },
    },
    transactionId: { type: 'string', format: 'uuid', description: "The request's transactionId" },
  },
  additionalProperties: true,
} as const;

/** RFC 6749 §5.2: what the OAuth endpoints (token, introspection, revocation) answer on failure. */
export const OAUTH_ERROR_SCHEMA = {
  type: 'object',
  description: 'RFC 6749 §5.2 error response',
  required: ['error'],
  properties: {
    error: { type: 'string', example: 'invalid_request' },
    error_description: { type: 'string', example: 'The parameter grant_type is required.' },
  },
} as const;

/** RFC 6749 §5.2 error codes (plus the revocation/throttling ones this server answers). */
export type OAuthErrorCode =
  | 'invalid_request'
  | 'invalid_client'
  | 'invalid_grant'
  | 'unauthorized_client'
  | 'unsupported_grant_type'
  | 'invalid_scope'
  | 'unsupported_token_type'
  | 'temporarily_unavailable'
  | 'server_error';

/** An OAuth endpoint's failure, rendered as `{error, error_description}` JSON. */
export class OAuthError extends Error {
  constructor(
    readonly error: OAuthErrorCode,
    readonly description: string,
    readonly status = 400,
    readonly headers: Record<string, string> = {},
  ) {
    super(`${error}: ${description}`);
    this.name = 'OAuthError';
  }
}

export const invalidRequest = (description: string) =>
  new OAuthError('invalid_request', description);

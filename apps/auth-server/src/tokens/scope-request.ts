import { CUSTOMER_SCOPES, canonicalScope } from '@app/common';
import { OAuthError, invalidRequest } from './oauth.error';
import type { FormParams } from './form';

/** RFC 6749 §3.3 scope-token characters. */
const SCOPE_TOKEN = /^[\x21\x23-\x5B\x5D-\x7E]+$/;

/**
 * The scopes a token request asks for: `scope` (RFC 6749, space-separated) or Candescent's
 * `scopes` (comma- or space-separated), aliases folded to their canonical names.
 * Returns undefined when the request names none.
 */
export function requestedScopes(params: FormParams): string[] | undefined {
  if (params.scope !== undefined && params.scopes !== undefined) {
    throw invalidRequest('Send scope or scopes, not both.');
  }
  const raw = params.scope ?? params.scopes;
  if (raw === undefined) return undefined;
  const separator = params.scope !== undefined ? / +/ : /[\s,]+/;
  const tokens = raw.split(separator).filter(Boolean);
  if (tokens.some((t) => !SCOPE_TOKEN.test(t)))
    throw new OAuthError('invalid_scope', 'The scope value is malformed.');
  const unique = [...new Set(tokens.map(canonicalScope))];
  return unique.length > 0 ? unique : undefined;
}

/** Requested scopes checked against what may be granted; none requested means `defaults`. */
export function grantScopes(
  requested: string[] | undefined,
  allowed: readonly string[],
  defaults: readonly string[],
): string[] {
  const scopes = requested ?? [...defaults];
  if (scopes.length === 0)
    throw new OAuthError(
      'invalid_scope',
      'No scope was requested and the client has no default scope.',
    );
  const refused = scopes.filter((s) => !allowed.includes(s));
  if (refused.length > 0) {
    throw new OAuthError('invalid_scope', `Not allowed for this client: ${refused.join(' ')}.`);
  }
  return scopes;
}

const isCustomerScope = (s: string) => (CUSTOMER_SCOPES as readonly string[]).includes(s);

/**
 * grantScopes for a customer's token (password grant and its refreshes): only customer scopes.
 * None requested means the defaults that are customer scopes; asking for any other is refused.
 */
export function customerScopes(
  requested: string[] | undefined,
  allowed: readonly string[],
  defaults: readonly string[],
): string[] {
  const other = requested?.filter((s) => !isCustomerScope(s)) ?? [];
  if (other.length > 0) {
    throw new OAuthError(
      'invalid_scope',
      `Not available to a customer's token: ${other.join(' ')}.`,
    );
  }
  return grantScopes(requested, allowed.filter(isCustomerScope), defaults.filter(isCustomerScope));
}

import type { FastifyRequest } from 'fastify';
import { invalidRequest, OAuthError } from './oauth.error';

export type FormParams = Record<string, string>;

const FORM = 'application/x-www-form-urlencoded';

/**
 * The parameters of an OAuth request (RFC 6749 §3.2): form-encoded body only, each parameter
 * at most once, strings only. `allowQuery` admits the query string too (DELETE /revoke).
 */
export function readForm(req: FastifyRequest, options: { allowQuery?: boolean } = {}): FormParams {
  const hasBody =
    Number(req.headers['content-length'] ?? 0) > 0 ||
    req.headers['transfer-encoding'] !== undefined;
  const type = (req.headers['content-type'] ?? '').split(';')[0]!.trim().toLowerCase();
  if (hasBody && type !== FORM) throw invalidRequest(`The request body must be ${FORM}.`);
  if (!hasBody && !options.allowQuery) throw invalidRequest(`The request body must be ${FORM}.`);

  const sources: Record<string, unknown>[] = [];
  if (hasBody) sources.push((req.body ?? {}) as Record<string, unknown>);
  if (options.allowQuery) sources.push(req.query as Record<string, unknown>);

  const params: FormParams = {};
  for (const source of sources) {
    for (const [key, value] of Object.entries(source)) {
      if (typeof value !== 'string' || key in params)
        throw invalidRequest(`The parameter ${key} is repeated.`);
      // RFC 6749 §3.2: parameters sent without a value are treated as omitted.
      if (value !== '') params[key] = value;
    }
  }
  return params;
}

export function required(params: FormParams, name: string): string {
  const value = params[name];
  if (value === undefined) throw invalidRequest(`The parameter ${name} is required.`);
  return value;
}

// ---------------------------------------------------------------------------------------------
// The forms, defined once: OpenAPI shows these schemas (oauth.controller.ts) and checkForm
// refuses a form that lacks what its schema requires.

interface FormProperty {
  type: 'string';
  description: string;
  enum?: string[];
  format?: string;
  example?: string;
}

/** A form's schema: its parameters, and those it cannot do without. */
export interface FormSchema<K extends string = string> {
  type: 'object';
  description?: string;
  required: K[];
  properties: Record<K, FormProperty>;
}

const clientParams = {
  client_id: {
    type: 'string',
    description: 'client_secret_post: the client id (or use HTTP Basic, never both)',
  },
  client_secret: {
    type: 'string',
    format: 'password',
    description: 'client_secret_post: the secret',
  },
} satisfies Record<string, FormProperty>;

const scopeParams = {
  scope: {
    type: 'string',
    description: "Space-separated scopes (RFC 6749); omitted: the client's default scopes",
    example: 'banking-activities:read account:read',
  },
  scopes: {
    type: 'string',
    description: 'Comma- or space-separated scopes (the Candescent spelling of scope)',
  },
} satisfies Record<string, FormProperty>;

const grant = (name: string): FormProperty => ({
  type: 'string',
  enum: [name],
  description: 'The grant',
});

/** One schema per grant type of the token endpoint. */
export const TOKEN_GRANTS = {
  client_credentials: {
    type: 'object',
    description: "An application's own token",
    required: ['grant_type'],
    properties: { grant_type: grant('client_credentials'), ...scopeParams, ...clientParams },
  },
  password: {
    type: 'object',
    description: "A customer's token, through the FI's own app (customer scopes only)",
    required: ['grant_type', 'username', 'password'],
    properties: {
      grant_type: grant('password'),
      username: { type: 'string', description: "The customer's loginId" },
      password: { type: 'string', format: 'password', description: "The customer's password" },
      ...scopeParams,
      ...clientParams,
    },
  },
  refresh_token: {
    type: 'object',
    description:
      'A new access token (and refresh token) for a customer; the old refresh token is spent',
    required: ['grant_type', 'refresh_token'],
    properties: {
      grant_type: grant('refresh_token'),
      refresh_token: { type: 'string', description: 'The refresh token of the previous answer' },
      ...scopeParams,
      ...clientParams,
    },
  },
} satisfies Record<string, FormSchema>;

export type GrantName = keyof typeof TOKEN_GRANTS;

/** The token endpoint's form in OpenAPI: every grant's parameters (which one applies: grant_type). */
export const TOKEN_FORM: FormSchema = {
  type: 'object',
  description:
    'client_credentials: grant_type (and scope). password: also username and password. refresh_token: also refresh_token.',
  required: ['grant_type'],
  properties: {
    ...TOKEN_GRANTS.client_credentials.properties,
    ...TOKEN_GRANTS.password.properties,
    ...TOKEN_GRANTS.refresh_token.properties,
    grant_type: {
      type: 'string',
      enum: Object.keys(TOKEN_GRANTS),
      description: 'The grant; it decides which other parameters are required',
    },
  },
};

/** Introspection (RFC 7662) and revocation (RFC 7009). */
export const TOKEN_PARAM_FORM = {
  type: 'object',
  required: ['token'],
  properties: {
    token: { type: 'string', description: 'An access token or a refresh token' },
    token_type_hint: {
      type: 'string',
      enum: ['access_token', 'refresh_token'],
      description: 'Speeds up the search only; both kinds are tried',
    },
    ...clientParams,
  },
} satisfies FormSchema;

/** Refuses a form that lacks a parameter its schema requires (invalid_request). */
export function checkForm(params: FormParams, schema: FormSchema): void {
  for (const name of schema.required) required(params, name);
}

/** The token form: a supported grant_type with every parameter that grant requires. */
export function checkTokenForm(params: FormParams): GrantName {
  const grantType = required(params, 'grant_type');
  if (!Object.hasOwn(TOKEN_GRANTS, grantType))
    throw new OAuthError(
      'unsupported_grant_type',
      `The grant type ${grantType.slice(0, 64)} is not supported.`,
    );
  checkForm(params, TOKEN_GRANTS[grantType as GrantName]);
  return grantType as GrantName;
}

/**
 * The exact request a page made to an API, and the same request as a `curl` command a developer
 * can paste. The access token is always `$TOKEN` (a shell variable they fill in with their own
 * keys), never the short-lived one the portal used.
 */

export interface ApiRequest {
  method: 'GET' | 'POST' | 'PATCH' | 'DELETE';
  /** Absolute URL, query string included. */
  url: string;
  /** Besides Authorization, which is always the bearer token. */
  headers: Record<string, string>;
  body?: unknown;
}

export const SEARCH_PATH = '/data-apis/v1/banking-activities';
export const TOKEN_PATH = '/oauth2/v1/token';

const join = (base: string, path: string) => `${base.replace(/\/+$/, '')}${path}`;

/** The search call: POST, JSON, the body exactly as sent. */
export function searchRequest(activityBaseUrl: string, body: unknown): ApiRequest {
  return {
    method: 'POST',
    url: join(activityBaseUrl, SEARCH_PATH),
    headers: { 'Content-Type': 'application/json', Accept: 'application/json' },
    body,
  };
}

/** One shell word, single-quoted: nothing inside is expanded. */
export function shellQuote(text: string): string {
  if (/^[A-Za-z0-9_\-.:/@=%+,]+$/.test(text)) return text;
  return `'${text.replace(/'/g, `'\\''`)}'`;
}

/**
 * The request as curl: one argument per line, the body pretty-printed JSON in one quoted word
 * (so it is what was sent, byte for byte once parsed), the token as "$TOKEN".
 */
export function toCurl(req: ApiRequest): string {
  const lines = [`curl -sS -X ${req.method} ${shellQuote(req.url)}`];
  lines.push(`-H "Authorization: Bearer $TOKEN"`);
  for (const [name, value] of Object.entries(req.headers)) {
    lines.push(`-H ${shellQuote(`${name}: ${value}`)}`);
  }
  if (req.body !== undefined)
    lines.push(`--data-raw ${shellQuote(JSON.stringify(req.body, null, 2))}`);
  return lines.join(' \\\n  ');
}

/**
 * How to get $TOKEN with the app's own keys (client credentials), the keys left as shell
 * variables: the page never shows a secret.
 */
export function tokenCurl(authBaseUrl: string, scopes: readonly string[]): string {
  return [
    `TOKEN=$(curl -sS -u "$SHARED_KEY:$SECRET_KEY"`,
    `-d grant_type=client_credentials`,
    `-d ${shellQuote(`scope=${scopes.join(' ')}`)}`,
    `${shellQuote(join(authBaseUrl, TOKEN_PATH))} | jq -r .access_token)`,
  ].join(' \\\n  ');
}

import type { FastifyRequest } from 'fastify';
import { invalidRequest } from './oauth.error';

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

import type { IncomingMessage, ServerResponse } from 'node:http';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { ProblemException } from '../errors/problem.exception';
import { JSON_TOO_DEEP_DETAIL, jsonNestsDeeperThan } from '../validation/json-depth';

/** The answer to a body nested deeper than MAX_JSON_DEPTH: valid JSON, but not one we read. */
export const jsonTooDeep = (): ProblemException =>
  new ProblemException(400, { code: 'MALFORMED_BODY', detail: JSON_TOO_DEEP_DETAIL });

/** Marks the refusal inside body-parser, which rewraps whatever `verify` throws as a 403. */
class JsonTooDeepError extends Error {}

/** body-parser's `verify` for JSON: the depth scan, on the raw body, before JSON.parse. */
export function verifyJsonDepth(
  _req: IncomingMessage,
  _res: ServerResponse,
  body: Buffer,
  encoding: string,
): void {
  let text: Uint8Array | string = body;
  if (encoding && !/^utf-?8$/i.test(encoding)) {
    try {
      text = new TextDecoder(encoding).decode(body);
    } catch {
      // A charset TextDecoder lacks: body-parser refuses it (415) or decodes it; bytes will do.
    }
  }
  if (jsonNestsDeeperThan(text)) throw new JsonTooDeepError();
}

/** Express error middleware, right after the JSON parser: the 400 problem in place of the 403. */
export function jsonDepthErrors(
  err: unknown,
  _req: IncomingMessage,
  _res: ServerResponse,
  next: (err?: unknown) => void,
): void {
  next(err instanceof JsonTooDeepError ? jsonTooDeep() : err);
}

/** Fastify's own JSON parser (prototype poisoning refused), behind the same depth scan. */
export function boundedFastifyJsonParser(fastify: FastifyInstance) {
  const parse = fastify.getDefaultJsonParser('error', 'error');
  return (req: FastifyRequest, body: Buffer, done: (err: Error | null, body?: unknown) => void) => {
    if (jsonNestsDeeperThan(body)) {
      done(jsonTooDeep());
      return;
    }
    parse(req, body.toString('utf8'), done);
  };
}

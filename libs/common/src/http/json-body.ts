import type { FastifyInstance, FastifyRequest } from 'fastify';
import { ProblemException } from '../errors/problem.exception';
import { JSON_TOO_DEEP_DETAIL, jsonNestsDeeperThan } from '../validation/json-depth';

/** The answer to a body nested deeper than MAX_JSON_DEPTH: valid JSON, but not one we read. */
export const jsonTooDeep = (): ProblemException =>
  new ProblemException(400, { code: 'MALFORMED_BODY', detail: JSON_TOO_DEEP_DETAIL });

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

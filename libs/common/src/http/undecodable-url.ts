import type { FastifyError, FastifyReply, FastifyRequest } from 'fastify';
import { PROBLEM_CONTENT_TYPE } from '../errors/problem';
import { resolveProblem } from '../errors/problem.filter';
import type { InputProblem } from '../validation/input-text.guard';
import { findUndecodableUrl } from '../validation/text';
import { transactionIdMiddleware } from './transaction-id';

/*
 * A path whose percent-escapes do not decode as UTF-8 fails in Fastify's router, before
 * InputTextGuard can see it: answered here as the guard would.
 */

/**
 * Fastify's `frameworkErrors` (FST_ERR_BAD_URL and the like), which no Nest filter sees: rendered
 * here with the same problem document the ProblemFilter writes.
 */
export function fastifyFrameworkErrors(problem: InputProblem) {
  return (error: FastifyError, req: FastifyRequest, reply: FastifyReply): void => {
    // Raised before the request's hooks: it has no transactionId yet.
    transactionIdMiddleware(req.raw, reply.raw, () => undefined);
    const errors = findUndecodableUrl(req.raw.url ?? '');
    const resolved = resolveProblem(errors.length > 0 ? problem(errors) : error);
    void reply
      .code(resolved.status)
      .headers(resolved.headers)
      .type(`${PROBLEM_CONTENT_TYPE}; charset=utf-8`)
      .send(JSON.stringify({ ...resolved.document, transactionId: req.raw.transactionId }));
  };
}

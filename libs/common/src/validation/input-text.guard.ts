import { Injectable, type CanActivate, type ExecutionContext } from '@nestjs/common';
import type { FieldError } from '../errors/domain-error';
import { ProblemException } from '../errors/problem.exception';
import { findUndecodableUrl, findUnsafeText, MAX_TEXT_ERRORS } from './text';

/**
 * Headers whose value a service reads as data (stored, compared, echoed). Their values must be
 * printable ASCII: Node reads header bytes as Latin-1, so anything else (a NUL is already refused
 * by Node's parser) is UTF-8 or worse read wrongly. `transactionId` is not here: one that is not
 * a UUID is replaced, never used (see transaction-id.ts).
 */
export const DATA_HEADERS = [
  'institutionid',
  'idempotency-key',
  'if-match',
  'if-none-match',
  'last-event-id',
];
const PRINTABLE_ASCII = /^[\x20-\x7e\t]*$/;

/** Turns the field errors found in a request into what the service answers. */
export type InputProblem = (errors: FieldError[]) => Error;

/** Default: a 400 problem, whose detail also reads well as an OAuth `error_description`. */
export const invalidTextProblem: InputProblem = (errors) =>
  new ProblemException(400, {
    code: 'VALIDATION_FAILED',
    title: 'Validation Failed',
    detail:
      errors.length === 1
        ? `Invalid text at ${errors[0]!.pointer}: ${errors[0]!.detail}.`
        : `The request has ${errors.length} fields with invalid text.`,
    errors,
  });

interface RequestParts {
  url?: string;
  params?: unknown;
  query?: unknown;
  body?: unknown;
  headers?: Record<string, string | string[] | undefined>;
}

/**
 * Every string a client sends, wherever a handler could read it: percent-escapes of the URL,
 * path parameters
 * (`path/<name>`), the query (`query/<name>`), the data headers (`header/<name>`) and the parsed
 * body (JSON pointers, as everywhere else). Runs as the first global guard, so before the
 * route's own guards, pipes (class-transformer) and handler. A Fastify request has these members
 * once a route has matched.
 */
export function findInvalidInput(req: RequestParts): FieldError[] {
  const errors: FieldError[] = [];
  findUndecodableUrl(req.url ?? '', errors);
  findUnsafeText(req.params ?? {}, 'path', errors);
  findUnsafeText(req.query ?? {}, 'query', errors);
  for (const name of DATA_HEADERS) {
    const value = req.headers?.[name];
    if (value === undefined) continue;
    const values = Array.isArray(value) ? value : [value];
    if (!values.every((v) => PRINTABLE_ASCII.test(v)))
      errors.push({ pointer: `header/${name}`, detail: 'must be printable ASCII' });
  }
  if (errors.length < MAX_TEXT_ERRORS) findUnsafeText(req.body, '', errors);
  return errors.slice(0, MAX_TEXT_ERRORS);
}

@Injectable()
export class InputTextGuard implements CanActivate {
  constructor(private readonly problem: InputProblem = invalidTextProblem) {}

  canActivate(context: ExecutionContext): boolean {
    if (context.getType() !== 'http') return true;
    const errors = findInvalidInput(context.switchToHttp().getRequest<RequestParts>());
    if (errors.length > 0) throw this.problem(errors);
    return true;
  }
}

import type { ValidationError } from 'class-validator';
import type { FieldError } from './domain-error';
import { ProblemException } from './problem.exception';

const escapePointer = (segment: string): string => segment.replace(/~/g, '~0').replace(/\//g, '~1');

/** Flattens class-validator's tree into JSON-pointer field errors (RFC 6901). */
export function toFieldErrors(errors: ValidationError[], prefix = ''): FieldError[] {
  const out: FieldError[] = [];
  for (const error of errors) {
    const pointer = `${prefix}/${escapePointer(error.property)}`;
    for (const message of Object.values(error.constraints ?? {})) {
      out.push({ pointer, detail: message });
    }
    if (error.children?.length) out.push(...toFieldErrors(error.children, pointer));
  }
  return out;
}

/** exceptionFactory for ValidationPipe: a 400 problem listing every field error. */
export function validationProblem(errors: ValidationError[]): ProblemException {
  const fieldErrors = toFieldErrors(errors);
  return new ProblemException(400, {
    code: 'VALIDATION_FAILED',
    title: 'Validation Failed',
    detail: `The request has ${fieldErrors.length} invalid field${fieldErrors.length === 1 ? '' : 's'}.`,
    errors: fieldErrors,
  });
}

import { HttpException } from '@nestjs/common';
import type { FieldError } from './domain-error';
import { codeFor, titleFor } from './problem';

export interface ProblemInit {
  code?: string;
  title?: string;
  detail: string;
  errors?: FieldError[];
  headers?: Record<string, string>;
  extensions?: Record<string, unknown>;
}

/** An HTTP failure that already knows its problem+json fields (guards, pipes, parsers). */
export class ProblemException extends HttpException {
  constructor(
    status: number,
    readonly problem: ProblemInit,
  ) {
    super(problem.detail, status);
  }

  get code(): string {
    return this.problem.code ?? codeFor(this.getStatus());
  }

  get title(): string {
    return this.problem.title ?? titleFor(this.getStatus());
  }
}

import type { IncomingMessage } from 'node:http';
import type { NestExpressApplication } from '@nestjs/platform-express';
import type { NextFunction, Request, Response } from 'express';
import { ProblemException } from '@app/common';
import { ActivityErrors } from './activity.errors';

export const ACTIVITY_ROUTE = '/data-apis/v1/banking-activities';
export const BATCH_ROUTE = `${ACTIVITY_ROUTE}/batch`;

const JSON_TYPE = /^application\/(?:json|[a-z0-9.+-]+\+json)\s*(?:;|$)/i;

// body-parser hands its `type` test the request Express has already decorated (req.path).
const isBatchRequest = (req: IncomingMessage): boolean =>
  (req as Request).path.replace(/\/+$/, '') === BATCH_ROUTE &&
  JSON_TYPE.test(req.headers['content-type'] ?? '');

/**
 * The batch endpoint takes up to 5,000 events, more than the platform's BODY_LIMIT_BYTES: only it
 * gets ACTIVITY_BATCH_BODY_LIMIT_BYTES. Installed before the platform's JSON parser (main.ts,
 * `beforeBodyParser`), which then sees a parsed body and leaves it alone.
 */
export function installBatchBodyParser(app: NestExpressApplication, batchLimit: number): void {
  app.useBodyParser('json', { limit: batchLimit, type: isBatchRequest });
}

/** A body that cannot be read answers Candescent's BAS_10006 on these routes (after every parser). */
export function installBodyErrorMapping(app: NestExpressApplication): void {
  app.use(ACTIVITY_ROUTE, (err: unknown, _req: Request, _res: Response, next: NextFunction) =>
    next(mapBodyError(err)),
  );
}

/** body-parser's failures in the contract's terms; anything else goes on unchanged. */
export function mapBodyError(err: unknown): unknown {
  const type = (err as { type?: unknown } | null)?.type;
  if (type === 'entity.parse.failed') {
    return ActivityErrors.unreadableBody('The request body is not valid JSON.');
  }
  if (type === 'entity.too.large') {
    const detail = 'The request body is too large.';
    return new ProblemException(413, {
      code: 'PAYLOAD_TOO_LARGE',
      detail,
      extensions: { errorCode: 'BAS_10006', errorMessage: detail },
    });
  }
  return err;
}

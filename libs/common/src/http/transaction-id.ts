import { randomUUID } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { UUID_PATTERN } from '../util/values';

export const TRANSACTION_ID_HEADER = 'transactionId';

declare module 'http' {
  interface IncomingMessage {
    transactionId?: string;
  }
}

/**
 * Takes the caller's `transactionId` when it is a UUID, otherwise makes one, and echoes it.
 * A value that is not a UUID is replaced rather than refused: tracing must never fail a call,
 * and only well-formed ids reach the logs.
 */
export function transactionIdMiddleware(
  req: IncomingMessage,
  res: ServerResponse,
  next: () => void,
): void {
  const given = req.headers[TRANSACTION_ID_HEADER.toLowerCase()];
  const id =
    typeof given === 'string' && UUID_PATTERN.test(given) ? given.toLowerCase() : randomUUID();
  req.transactionId = id;
  res.setHeader(TRANSACTION_ID_HEADER, id);
  next();
}

/**
 * The transactionId of a request: middleware see the Node request, handlers Fastify's wrapper
 * around it (`raw`).
 */
export function transactionIdOf(req: unknown): string | undefined {
  const r = req as { transactionId?: string; raw?: { transactionId?: string } } | undefined;
  return r?.transactionId ?? r?.raw?.transactionId;
}

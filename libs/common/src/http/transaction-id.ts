import { randomUUID } from 'node:crypto';
import type { NextFunction, Request, Response } from 'express';

export const TRANSACTION_ID_HEADER = 'transactionId';
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

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
export function transactionIdMiddleware(req: Request, res: Response, next: NextFunction): void {
  const given = req.headers[TRANSACTION_ID_HEADER.toLowerCase()];
  const id = typeof given === 'string' && UUID.test(given) ? given.toLowerCase() : randomUUID();
  req.transactionId = id;
  res.setHeader(TRANSACTION_ID_HEADER, id);
  next();
}

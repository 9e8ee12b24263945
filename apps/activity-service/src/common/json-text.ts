import type { Response } from 'express';

/**
 * Sends a 200 with JSON that is already text (pages assembled from PostgreSQL's JSON). It
 * bypasses res.send(), which would hash the whole body for an ETag on every POST answer.
 */
export function sendJsonText(res: Response, text: string): void {
  res.status(200);
  res.setHeader('Content-Type', 'application/json; charset=utf-8');
  res.setHeader('Content-Length', Buffer.byteLength(text));
  res.end(text);
}

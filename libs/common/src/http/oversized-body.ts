import type { Readable } from 'node:stream';
import { ProblemException } from '../errors/problem.exception';

/**
 * How much of an oversized body a service still reads, and drops, before it answers 413: this
 * many times the limit that refused it. Beyond that it stops reading and answers anyway.
 */
export const OVERSIZED_BODY_READ_FACTOR = 8;

/** Bodies this module gave up on: reading them again would pass the bound. */
const abandoned = new WeakSet<Readable>();

/**
 * Reads and drops what is left of a body refused as too large, so that the client, which may
 * still be sending, reads the 413: a socket closed on unread bytes makes the kernel reset the
 * connection, and a client that sees the reset before the answer never reads it. Reads at most
 * OVERSIZED_BODY_READ_FACTOR × `limit` bytes (none if Content-Length already says more); past
 * that it stops, and the answer (with `Connection: close`) may be lost to a reset, a body that
 * large having earned it. Resolves whether the body was read to its end.
 */
export function discardBody(
  body: Readable,
  limit: number,
  contentLength?: string | number,
): Promise<boolean> {
  if (abandoned.has(body)) return Promise.resolve(false);
  if (body.readableEnded) return Promise.resolve(true);
  const bound = OVERSIZED_BODY_READ_FACTOR * limit;
  if (body.destroyed || Number(contentLength) > bound) {
    abandoned.add(body);
    return Promise.resolve(false);
  }
  return new Promise((resolve) => {
    let received = 0;
    const finish = (whole: boolean) => {
      body.off('data', onData);
      body.off('end', onEnd);
      body.off('error', onFailure);
      body.off('close', onFailure);
      if (!whole) {
        abandoned.add(body);
        body.pause();
      }
      resolve(whole);
    };
    const onData = (chunk: Buffer | string) => {
      received += chunk.length;
      if (received > bound) finish(false);
    };
    const onEnd = () => finish(true);
    // An aborted request: nobody will read the answer anyway.
    const onFailure = () => finish(false);
    body.on('data', onData);
    body.on('end', onEnd);
    body.on('error', onFailure);
    body.on('close', onFailure);
    body.resume();
  });
}

/** The platform's 413 (problem+json; an app may answer in its own shape). */
export const bodyTooLarge = (): ProblemException =>
  new ProblemException(413, {
    code: 'PAYLOAD_TOO_LARGE',
    detail: 'The request body is too large.',
  });

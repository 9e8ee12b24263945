import type { Logger } from '@nestjs/common';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { transactionIdOf } from '@app/common';

/**
 * Sends Server-Sent Events to Node's response (`reply.raw`) with backpressure: the next chunk
 * is asked for only once the previous one is written (or the socket drained). The first chunk
 * is awaited before anything is written, so a refusal (429, ...) is still answered as a
 * problem by the exception filter. Closing the connection aborts `chunks` through `signal`.
 */
export async function sendEventStream(
  open: (signal: AbortSignal) => AsyncGenerator<string>,
  req: FastifyRequest,
  reply: FastifyReply,
  logger: Pick<Logger, 'warn'>,
): Promise<void> {
  const aborted = new AbortController();
  const chunks = open(aborted.signal);
  const first = await chunks.next();

  // From here the stream is written to Node's response itself, so Fastify sends nothing after it.
  reply.hijack();
  const res = reply.raw;
  let closed = false;
  res.on('close', () => {
    closed = true;
    aborted.abort();
  });
  res.writeHead(200, {
    'Content-Type': 'text/event-stream; charset=utf-8',
    'Cache-Control': 'no-cache, no-transform',
    Connection: 'keep-alive',
    'X-Accel-Buffering': 'no',
  });
  res.flushHeaders();
  const write = async (chunk: string): Promise<void> => {
    if (res.write(chunk) || closed) return;
    await new Promise<void>((resolve) => {
      const done = () => {
        res.off('drain', done);
        res.off('close', done);
        resolve();
      };
      res.on('drain', done);
      res.on('close', done);
    });
  };

  try {
    if (!first.done) await write(first.value);
    while (!closed) {
      const next = await chunks.next();
      if (next.done) break;
      await write(next.value);
    }
  } catch (err) {
    // Headers are gone; the client reconnects with Last-Event-ID and loses nothing.
    logger.warn({ err, transactionId: transactionIdOf(req) }, 'activity stream ended by an error');
  } finally {
    await chunks.return(undefined).catch(() => undefined);
    res.end();
  }
}

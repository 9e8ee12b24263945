import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type { Logger } from '@nestjs/common';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { transactionIdOf } from '@app/common';
import type { FileDownload } from './files.service';

/**
 * Sends a stored file (application/gzip, the bytes as stored: no Content-Encoding) with its
 * length and digest, chunk by chunk with backpressure. A failure after the first byte cuts the
 * response short (the length then tells the client) and is logged.
 */
export async function sendFile(
  file: FileDownload,
  req: FastifyRequest,
  reply: FastifyReply,
  logger: Pick<Logger, 'warn'>,
): Promise<void> {
  reply.hijack();
  const res = reply.raw;
  res.writeHead(200, {
    'Content-Type': 'application/gzip',
    'Content-Length': String(file.bytes),
    'Content-Disposition': `attachment; filename="${file.fileName}"`,
    'Repr-Digest': `sha-256=:${Buffer.from(file.sha256, 'hex').toString('base64')}:`,
    ETag: `"${file.sha256}"`,
    'Cache-Control': 'no-store',
  });
  try {
    await pipeline(Readable.from(file.chunks), res);
  } catch (err) {
    if ((err as { code?: string }).code !== 'ERR_STREAM_PREMATURE_CLOSE') {
      logger.warn({ err, transactionId: transactionIdOf(req) }, 'file download interrupted');
    }
    res.destroy();
  }
}

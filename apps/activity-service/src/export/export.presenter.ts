import { pipeline } from 'node:stream/promises';
import { createGzip } from 'node:zlib';
import type { Logger } from '@nestjs/common';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { transactionIdOf } from '@app/common';
import { CONTENT_TYPES, GZIP_OPTIONS, wantsGzip } from './export.format';
import type { ExportDocument } from './export.service';

/**
 * Writes an export to Node's response (`reply.raw`) with backpressure, gzip when
 * Accept-Encoding allows it. Until the first byte, a failure is still answered as problem+json
 * by the exception filter (it is rethrown); after it, the client sees a truncated body (no
 * final newline, no gzip trailer) and the failure is logged.
 */
export async function sendExport(
  doc: ExportDocument,
  req: FastifyRequest,
  reply: FastifyReply,
  logger: Pick<Logger, 'warn'>,
): Promise<void> {
  const res = reply.raw;
  const gzip = wantsGzip(req.headers['accept-encoding']);
  try {
    res.statusCode = 200;
    res.setHeader('Content-Type', CONTENT_TYPES[doc.format]);
    res.setHeader(
      'Content-Disposition',
      `attachment; filename="banking-activities.${doc.format === 'csv' ? 'csv' : 'ndjson'}"`,
    );
    res.setHeader('Cache-Control', 'no-store');
    res.setHeader('Vary', 'Accept, Accept-Encoding');
    if (gzip) res.setHeader('Content-Encoding', 'gzip');
    await (gzip ? pipeline(doc.chunks, createGzip(GZIP_OPTIONS), res) : pipeline(doc.chunks, res));
  } catch (err) {
    if (res.headersSent) {
      if ((err as { code?: string }).code !== 'ERR_STREAM_PREMATURE_CLOSE') {
        logger.warn({ err, transactionId: transactionIdOf(req) }, 'export interrupted');
      }
      return;
    }
    for (const h of ['Content-Encoding', 'Content-Disposition', 'Content-Type']) {
      res.removeHeader(h);
    }
    throw err;
  } finally {
    doc.close();
  }
}

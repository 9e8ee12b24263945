import { pipeline } from 'node:stream/promises';
import { createGzip, constants as zlib } from 'node:zlib';
import { Injectable, Logger } from '@nestjs/common';
import type { FastifyReply, FastifyRequest } from 'fastify';
import QueryStream from 'pg-query-stream';
import { transactionIdOf, type AccessPrincipal } from '@app/common';
import { ActivityErrors } from '../common/activity.errors';
import { ActivityEnv } from '../config/activity.env';
import { parseSearchRequest } from '../search/search.query';
import { confineToCustomer } from '../search/customer-scope';
import { compileExport } from '../search/search.sql';
import { ActivityDatabase } from '../storage/activity-database';
import {
  CONTENT_TYPES,
  csvLine,
  negotiateFormat,
  wantsGzip,
  type ExportFormat,
} from './export.format';

/** Rows fetched from the cursor at a time, and lines written per chunk. */
const FETCH_ROWS = 2000;
const LINES_PER_CHUNK = 500;

/**
 * Streams every match of the search filters, in order, as NDJSON or CSV (gzip when asked).
 * A server-side cursor feeds the response with backpressure, so memory stays flat however
 * large the range; exports use their own small pool and never starve searches or ingest.
 */
@Injectable()
export class ExportService {
  private readonly logger = new Logger(ExportService.name);

  constructor(
    private readonly db: ActivityDatabase,
    private readonly env: ActivityEnv,
  ) {}

  async export(
    principal: AccessPrincipal,
    body: unknown,
    req: FastifyRequest,
    reply: FastifyReply,
  ): Promise<void> {
    // Streamed straight into Node's response; until its first byte, a failure is still answered
    // as problem+json by the exception filter (through `reply`).
    const res = reply.raw;
    const format = negotiateFormat(req.headers.accept);
    const q = parseSearchRequest(body, {
      institutionId: principal.institutionId,
      now: Date.now(),
      maxLookbackDays: this.env.ACTIVITY_MAX_LOOKBACK_DAYS,
      mode: 'export',
    });
    confineToCustomer(principal, q);
    const sql = compileExport(q, format);
    const gzip = wantsGzip(req.headers['accept-encoding']);

    const client = await this.db.exportPool.connect().catch(() => {
      throw ActivityErrors.unavailable('Every export connection is busy; retry shortly.');
    });
    let broken = false;
    try {
      const rows = client.query(
        new QueryStream(sql.text, sql.values, {
          batchSize: FETCH_ROWS,
          highWaterMark: FETCH_ROWS,
          rowMode: 'array',
        }),
      );
      res.statusCode = 200;
      res.setHeader('Content-Type', CONTENT_TYPES[format]);
      res.setHeader(
        'Content-Disposition',
        `attachment; filename="banking-activities.${format === 'csv' ? 'csv' : 'ndjson'}"`,
      );
      res.setHeader('Cache-Control', 'no-store');
      res.setHeader('Vary', 'Accept, Accept-Encoding');
      if (gzip) res.setHeader('Content-Encoding', 'gzip');
      const encode = lines(format, sql.columns);
      await (gzip
        ? pipeline(rows, encode, createGzip({ level: zlib.Z_BEST_SPEED }), res)
        : pipeline(rows, encode, res));
    } catch (err) {
      broken = true;
      if (res.headersSent) {
        // Mid-stream: the client sees a truncated body (no final newline / gzip trailer).
        if ((err as { code?: string }).code !== 'ERR_STREAM_PREMATURE_CLOSE') {
          this.logger.warn({ err, transactionId: transactionIdOf(req) }, 'export interrupted');
        }
        return;
      }
      for (const h of ['Content-Encoding', 'Content-Disposition', 'Content-Type'])
        res.removeHeader(h);
      throw err;
    } finally {
      // A connection left mid-cursor is closed rather than reused.
      client.release(broken);
    }
  }
}

/** Rows to text lines, a chunk of lines per write. */
function lines(format: ExportFormat, columns: string[]) {
  return async function* (rows: AsyncIterable<(string | null)[]>): AsyncGenerator<string> {
    let chunk: string[] = format === 'csv' ? [csvLine(columns)] : [];
    for await (const row of rows) {
      chunk.push(format === 'csv' ? csvLine(row) : (row[0] as string));
      if (chunk.length >= LINES_PER_CHUNK) {
        yield `${chunk.join('\n')}\n`;
        chunk = [];
      }
    }
    if (chunk.length) yield `${chunk.join('\n')}\n`;
  };
}

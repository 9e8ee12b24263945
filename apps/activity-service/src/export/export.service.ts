import { Injectable } from '@nestjs/common';
import type { AccessPrincipal } from '@app/common';
import { ActivityEnv } from '../config/activity.env';
import { ActivityRepository, readConsistency, type ExportRow } from '../search/activity.repository';
import { confineToCustomer } from '../search/customer-scope';
import { parseSearchRequest } from '../search/search.query';
import { compileExport } from '../search/search.sql';
import { csvLine, negotiateFormat, type ExportFormat } from './export.format';

/** Lines per chunk handed to the response. */
const LINES_PER_CHUNK = 500;

/** An export ready to send: its format and its text, chunk by chunk. */
export interface ExportDocument {
  format: ExportFormat;
  /** Chunks of whole lines; reading them moves the database cursor. */
  chunks: AsyncIterable<string>;
  /** Releases the cursor's connection; call it once the chunks are read or abandoned. */
  close(): void;
}

/**
 * Every match of the search filters, in order, as NDJSON or CSV lines. The rows come from a
 * server-side cursor as the response reads them (export.presenter.ts), so memory stays flat
 * however large the range.
 */
@Injectable()
export class ExportService {
  constructor(
    private readonly activities: ActivityRepository,
    private readonly env: ActivityEnv,
  ) {}

  /** Validates the request and opens its cursor; `accept` is the request's Accept header. */
  async open(
    principal: AccessPrincipal,
    body: unknown,
    accept: string | undefined,
    consistency?: string,
  ): Promise<ExportDocument> {
    const format = negotiateFormat(accept);
    const q = parseSearchRequest(body, {
      institutionId: principal.institutionId,
      now: Date.now(),
      maxLookbackDays: this.env.ACTIVITY_MAX_LOOKBACK_DAYS,
      mode: 'export',
    });
    confineToCustomer(principal, q);
    const sql = compileExport(q, format);
    const cursor = await this.activities.exportCursor(sql, readConsistency(consistency));
    return { format, chunks: lines(format, sql.columns, cursor.rows), close: cursor.close };
  }
}

/** Rows to text lines, a chunk of lines at a time. */
async function* lines(
  format: ExportFormat,
  columns: string[],
  rows: AsyncIterable<ExportRow>,
): AsyncGenerator<string> {
  let chunk: string[] = format === 'csv' ? [csvLine(columns)] : [];
  for await (const row of rows) {
    chunk.push(format === 'csv' ? csvLine(row) : (row[0] as string));
    if (chunk.length >= LINES_PER_CHUNK) {
      yield `${chunk.join('\n')}\n`;
      chunk = [];
    }
  }
  if (chunk.length) yield `${chunk.join('\n')}\n`;
}

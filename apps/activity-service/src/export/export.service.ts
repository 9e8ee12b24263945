import { Injectable } from '@nestjs/common';
import type { AccessPrincipal } from '@app/common';
import { ActivityEnv } from '../config/activity.env';
import { ActivityRepository, readConsistency } from '../search/activity.repository';
import { confineToCustomer } from '../search/customer-scope';
import { parseSearchRequest } from '../search/search.query';
import { compileExport } from '../search/search.sql';
import { copyLineChunks, eventColumnsSql } from './event-lines';
import { negotiateFormat, type ExportFormat } from './export.format';

/** An export ready to send: its format and its text, chunk by chunk. */
export interface ExportDocument {
  format: ExportFormat;
  /** Chunks of whole lines (about 64 KiB each); reading them moves the database's COPY. */
  chunks: AsyncIterable<Buffer>;
  /** Releases the copy's connection; call it once the chunks are read or abandoned. */
  close(): void;
}

/**
 * Every match of the search filters, in order, as NDJSON or CSV lines. The rows come from a
 * `COPY ... TO STDOUT` as the response reads them (export.presenter.ts), so memory stays flat
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
    const requested = q.requestedAttributes;
    const sql = compileExport(q, (params) => eventColumnsSql(requested, format, params));
    const cursor = await this.activities.exportCursor(sql, readConsistency(consistency));
    return {
      format,
      chunks: copyLineChunks(cursor.chunks, format, requested),
      close: cursor.close,
    };
  }
}

import { Injectable } from '@nestjs/common';
import { ActivityErrors } from '../common/activity.errors';
import type { CompiledSql } from '../common/sql-params';
import { ActivityDatabase, type ReadFrom, openRowCursor } from '../storage/activity-database';

/** PostgreSQL's code for a statement cancelled by statement_timeout. */
const QUERY_CANCELED = '57014';
/** A row of compileSearchPage: the keyset and the event's JSON text. */
export interface PageRow {
  seq: string;
  ts: string;
  item: string;
}

/** A row of compileExport, one cell per column. */
export type ExportRow = (string | null)[];

/**
 * An export's rows from a server-side cursor on a connection of its own. `close` must be called
 * once the rows are read or abandoned: a connection left mid-cursor is closed, not reused.
 */
export interface ExportCursor {
  rows: AsyncIterable<ExportRow>;
  close(): void;
}

/**
 * How fresh a read must be: `eventual` may be answered by the read replica
 * (ACTIVITY_READ_DATABASE_URL), which lags the primary by its replay delay; `strong` is answered
 * by the primary, so it sees every committed write (a page right after ingest).
 */
export type ReadConsistency = 'eventual' | 'strong';

/** The `Consistency` request header: `strong` (any case) reads the primary; anything else may not. */
export function readConsistency(header: string | undefined): ReadConsistency {
  return header?.trim().toLowerCase() === 'strong' ? 'strong' : 'eventual';
}

const readFrom = (consistency: ReadConsistency): ReadFrom =>
  consistency === 'strong' ? 'primary' : 'replica';

/**
 * Runs the statements search.sql.ts compiles (every value bound) on activity.events: pages on
 * the main pool, exports on their own small pool so that they never starve searches or ingest.
 * Both read from the replica when one is set, unless the caller asks for `strong`.
 */
@Injectable()
export class ActivityRepository {
  constructor(private readonly db: ActivityDatabase) {}

  /** One page (pageSize + 1 rows); a query cut by statement_timeout is 503 ACTIVITY_UNAVAILABLE. */
  async searchPage(
    sql: CompiledSql,
    consistency: ReadConsistency = 'eventual',
  ): Promise<PageRow[]> {
    try {
      const pool = this.db.searchPool(readFrom(consistency));
      return (await pool.query<PageRow & Record<string, unknown>>(sql.text, sql.values)).rows;
    } catch (err) {
      if ((err as { code?: string }).code === QUERY_CANCELED) {
        throw ActivityErrors.unavailable('The search took too long; narrow the range or filters.');
      }
      throw err;
    }
  }

  /** Opens the export's cursor; 503 ACTIVITY_UNAVAILABLE when every export connection is busy. */
  async exportCursor(
    sql: CompiledSql,
    consistency: ReadConsistency = 'eventual',
  ): Promise<ExportCursor> {
    const pool = this.db.exportPoolFor(readFrom(consistency));
    return openRowCursor<ExportRow>(pool, sql);
  }
}

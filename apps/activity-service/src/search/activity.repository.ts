import { Injectable } from '@nestjs/common';
import { ActivityErrors } from '../common/activity.errors';
import { openCopyOut, type CopyOut } from '../common/copy-out';
import type { CompiledSql } from '../common/sql-params';
import type { CompiledPage } from './search.sql';
import { ActivityDatabase, type ReadFrom } from '../storage/activity-database';

/** PostgreSQL's code for a statement cancelled by statement_timeout. */
const QUERY_CANCELED = '57014';
/** The one row of compileSearchPage: how many matched, the items' JSON, the last keyset. */
export interface PageRow {
  /** Matches read: at most pageSize + 1. */
  rows: number;
  /** The page's events as JSON texts joined with commas; null when nothing matched. */
  items: string | null;
  /** The keyset of the page's last event, when a further one matched. */
  last_ts: string | null;
  last_seq: string | null;
}

/**
 * An export's rows as COPY's text-format bytes, on a connection of its own. `close` must be
 * called once they are read or abandoned: a connection left mid-copy is closed, not reused.
 */
export type ExportCursor = CopyOut;

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

  /**
   * One page; a query cut by statement_timeout is 503 ACTIVITY_UNAVAILABLE. A named statement is
   * parsed once per connection (pg keeps track), then only bound and executed.
   */
  async searchPage(sql: CompiledPage, consistency: ReadConsistency = 'eventual'): Promise<PageRow> {
    try {
      const pool = this.db.searchPool(readFrom(consistency));
      const result = await pool.query<PageRow & Record<string, unknown>>({
        name: sql.name,
        text: sql.text,
        values: sql.values,
      });
      return result.rows[0]!;
    } catch (err) {
      if ((err as { code?: string }).code === QUERY_CANCELED) {
        throw ActivityErrors.unavailable('The search took too long; narrow the range or filters.');
      }
      throw err;
    }
  }

  /**
   * Starts the export's `COPY (sql) TO STDOUT`; 503 ACTIVITY_UNAVAILABLE when every export
   * connection is busy.
   */
  async exportCursor(
    sql: CompiledSql,
    consistency: ReadConsistency = 'eventual',
  ): Promise<ExportCursor> {
    const pool = this.db.exportPoolFor(readFrom(consistency));
    return openCopyOut(pool, sql);
  }
}

import { escapeLiteral, type Pool } from 'pg';
import { to as copyTo } from 'pg-copy-streams';
import type { CompiledSql } from './sql-params';
import { releaseOnClose, streamConnection } from './streamed-connection';

/**
 * `COPY (query) TO STDOUT` for the export: PostgreSQL's text-format row bytes as they come off
 * the socket, instead of pg parsing every row into a JS array of strings (for the export, that
 * parsing and the per-row stream hand-off were a third of the service's main-thread CPU).
 *
 * COPY is a utility statement and takes no bind parameters, so the query's values are written
 * into it as literals, each with the same cast its `$n` placeholder had, escaped as libpq's
 * PQescapeLiteral does (pg's escapeLiteral: quotes doubled, backslashes doubled under E'').
 * The text is what pg would have sent as each parameter, so PostgreSQL reads the same values.
 */

/** A value as pg would send it as a text parameter (flat arrays as array literals). */
function parameterText(value: unknown): string | null {
  if (value === null || value === undefined) return null;
  if (typeof value === 'string') return value;
  if (typeof value === 'number') {
    if (!Number.isFinite(value)) throw new Error('a non-finite number cannot be a literal');
    return String(value);
  }
  if (typeof value === 'boolean') return value ? 'true' : 'false';
  if (value instanceof Date) return value.toISOString();
  if (Array.isArray(value)) {
    const items = value.map((v) => {
      const text = parameterText(v);
      return text === null ? 'NULL' : `"${text.replace(/\\/g, '\\\\').replace(/"/g, '\\"')}"`;
    });
    return `{${items.join(',')}}`;
  }
  return JSON.stringify(value);
}

/** One SQL literal (its cast follows the placeholder in the text). */
export function sqlLiteral(value: unknown): string {
  const text = parameterText(value);
  if (text === null) return 'NULL';
  // PostgreSQL text holds no NUL (the request parser refuses it): never let one cut the query.
  if (text.includes('\0')) throw new Error('a NUL character cannot be in a literal');
  return escapeLiteral(text);
}

/** The statement with each `$n::cast` placeholder (SqlParams) replaced by its value's literal. */
export function inlineSql(sql: CompiledSql): string {
  const placeholder = /\$(\d+)(?=::)/g;
  // The text is the compiler's own (values are never in it): each `$` is a placeholder.
  if ((sql.text.match(placeholder)?.length ?? 0) !== sql.text.split('$').length - 1) {
    throw new Error('a statement to inline has a $ that is not a placeholder');
  }
  return sql.text.replace(placeholder, (_, n: string) => {
    const i = Number(n) - 1;
    if (i < 0 || i >= sql.values.length) throw new Error(`no value for $${n}`);
    return sqlLiteral(sql.values[i]);
  });
}

/** A COPY TO STDOUT holding one pooled connection until `close()`. */
export interface CopyOut {
  /** The rows in COPY's text format (tab-separated, `\N` for NULL, one `\n` per row), in
   * chunks as they arrive; a chunk may end mid-row, even mid-character. */
  chunks: AsyncIterable<Buffer>;
  /** Gives the connection back (destroyed when the copy did not reach its end). */
  close(): void;
}

/**
 * Streams `COPY (sql) TO STDOUT` on a connection of `pool`, with backpressure (the socket is
 * read only as fast as the chunks are); 503 ACTIVITY_UNAVAILABLE when every connection of the
 * pool is busy.
 */
export async function openCopyOut(pool: Pool, sql: CompiledSql): Promise<CopyOut> {
  const text = `COPY (${inlineSql(sql)}) TO STDOUT`;
  const client = await streamConnection(pool);
  const stream = client.query(copyTo(text));
  // pg reports a failed or cut copy by emitting 'error' on it, also when nobody reads it any
  // more (the connection destroyed by close()); as a destroyed stream's error, a reader sees it
  // whenever it starts, and an unread one cannot crash the process.
  stream.on('error', (err) => {
    if (!stream.destroyed) stream.destroy(err);
  });
  return { chunks: stream as AsyncIterable<Buffer>, close: releaseOnClose(client, stream) };
}

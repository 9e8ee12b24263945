import { resolveAttribute } from '../catalogue/attributes';
import { FIXED_FIELDS } from '../catalogue/event-catalogue';
import type { SqlParams } from '../common/sql-params';
import { TIMESTAMP_SQL } from '../search/search.sql';
import { csvLine } from './export.format';

/**
 * The one serializer of exports and delivery files: which columns PostgreSQL sends per event,
 * and how a row of them becomes an NDJSON or a CSV line.
 *
 * PostgreSQL sends plain column text (as for CSV) and the NDJSON line is assembled here from
 * the known fields. Building the JSON in SQL (`search.sql.ts` itemSql, still what search pages
 * use) cost PostgreSQL about as much CPU again as reading the rows (to_json per column, string
 * concatenation), on the one core its backend runs on, while the service's core waited: an
 * export or a file was bound by that backend. Here the service's core shares the work. The
 * line is byte for byte what itemSql makes (same field order, PostgreSQL's escaping, the
 * attributes' jsonb text spliced in as it is); a data test compares the two.
 */

/** Fields always present, whatever requestedAttributes says. */
export const IDENTITY_FIELDS = ['guid', 'eventId', 'timeStamp'];

export type LineFormat = 'ndjson' | 'csv';

/** One row as PostgreSQL sends it: a text cell per field (NULL as null). */
export type EventRow = (string | null)[];

/** How a column's text goes into the NDJSON line. */
type Kind =
  /** Text that needs no escaping (a uuid, the formatted timestamp): quoted as it is. */
  | 'plain'
  /** Any text column: a JSON string, or null. */
  | 'string'
  /** JSON text already (an attribute's jsonb value), or null when absent. */
  | 'json'
  /** The attributes object's jsonb text, spliced after the fixed fields; null when empty. */
  | 'spread';

interface Field {
  id: string;
  kind: Kind;
  /** The column's SQL; attribute values take their name as a bind parameter. */
  sql: (format: LineFormat, params: SqlParams) => string;
}

/** The CSV header of an answer: one column per field, the attributes as one JSON column. */
export function lineFields(requested: string[] | null): string[] {
  return requested
    ? [...IDENTITY_FIELDS, ...requested.filter((r) => !IDENTITY_FIELDS.includes(r))]
    : [...FIXED_FIELDS.map((f) => f.attributeId), 'attributes'];
}

function fieldsOf(requested: string[] | null): Field[] {
  return lineFields(requested).map((id): Field => {
    if (id === 'timeStamp') return { id, kind: 'plain', sql: () => TIMESTAMP_SQL };
    if (id === 'guid') return { id, kind: 'plain', sql: () => 'e.guid::text' };
    if (id === 'attributes' && !requested) {
      return {
        id,
        kind: 'spread',
        sql: () => `CASE WHEN e.attributes = '{}'::jsonb THEN NULL ELSE e.attributes::text END`,
      };
    }
    const attribute = resolveAttribute(id);
    if (!attribute) throw new Error(`unknown attribute ${id}`);
    if (attribute.kind === 'fixed') {
      const column = attribute.field.column;
      return { id, kind: 'string', sql: () => `e.${column}::text` };
    }
    return {
      id,
      kind: 'json',
      sql: (format, params) => {
        const key = params.add(id, 'text');
        // NDJSON keeps the value's JSON type; CSV has strings as they are, other values as JSON.
        return format === 'ndjson'
          ? `(e.attributes->${key})::text`
          : `CASE WHEN jsonb_typeof(e.attributes->${key}) = 'string' THEN e.attributes->>${key} ELSE (e.attributes->${key})::text END`;
      },
    };
  });
}

/** The SQL select list (over the events as `e`) of the rows `lineWriter` turns into lines. */
export function eventColumnsSql(
  requested: string[] | null,
  format: LineFormat,
  params: SqlParams,
): string {
  return fieldsOf(requested)
    .map((f) => f.sql(format, params))
    .join(', ');
}

/** Characters a JSON string must escape (as PostgreSQL's escape_json and JSON.stringify do). */
// eslint-disable-next-line no-control-regex -- the C0 controls are what must be escaped
const NEEDS_ESCAPE = /["\\\u0000-\u001f]/;

/**
 * A JSON string, escaped as PostgreSQL's to_json escapes text: `"` `\` and the C0 controls
 * (`\b \f \n \r \t`, the others as lowercase `\u00xx`), nothing else. JSON.stringify escapes
 * the same set (and lone surrogates, which text from PostgreSQL never has).
 */
export function jsonString(value: string): string {
  return NEEDS_ESCAPE.test(value) ? JSON.stringify(value) : `"${value}"`;
}

/** Turns a row of `eventColumnsSql` into one line, without its newline. */
export type LineWriter = (row: EventRow) => string;

/**
 * The line writer of an answer's fields, compiled once per export or file: the member names
 * and their separators are fixed strings, each value is written by its kind.
 */
export function lineWriter(requested: string[] | null, format: LineFormat): LineWriter {
  if (format === 'csv') return csvLine;
  const fields = fieldsOf(requested);
  const names = fields.map((f, i) => `${i === 0 ? '{' : ','}${JSON.stringify(f.id)}:`);
  const kinds = fields.map((f) => f.kind);
  const n = fields.length;
  return (row) => {
    let line = '';
    for (let i = 0; i < n; i++) {
      const v = row[i] ?? null;
      switch (kinds[i]) {
        case 'plain':
          line += `${names[i]}"${v}"`;
          break;
        case 'string':
          line += names[i] + (v === null ? 'null' : jsonString(v));
          break;
        case 'json':
          line += names[i] + (v === null ? 'null' : v);
          break;
        case 'spread':
          // '{"a": 1}' → ',"a": 1}'; the fixed fields come first, so never the first member.
          return v === null ? `${line}}` : `${line},${v.slice(1)}`;
      }
    }
    return `${line}}`;
  };
}

/** Bytes (about: UTF-16 units) of text handed on at a time: large writes, few of them. */
export const CHUNK_CHARS = 64 * 1024;

/**
 * Rows to text, chunks of whole lines of about CHUNK_CHARS each (CSV: the header first).
 * `counter.count` counts the rows read.
 */
export async function* lineChunks(
  rows: AsyncIterable<EventRow>,
  format: LineFormat,
  requested: string[] | null,
  counter: { count: number } = { count: 0 },
): AsyncGenerator<string> {
  const write = lineWriter(requested, format);
  let chunk = format === 'csv' ? `${csvLine(lineFields(requested))}\n` : '';
  for await (const row of rows) {
    chunk += `${write(row)}\n`;
    counter.count++;
    if (chunk.length >= CHUNK_CHARS) {
      yield chunk;
      chunk = '';
    }
  }
  if (chunk) yield chunk;
}

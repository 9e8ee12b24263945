import { resolveAttribute } from '../catalogue/attributes';
import { FIXED_FIELDS } from '../catalogue/event-catalogue';
import type { SqlParams } from '../common/sql-params';
import { TIMESTAMP_SQL } from '../search/search.sql';
import { csvCell, csvLine } from './export.format';

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

/*
 * The same lines from COPY's text format (common/copy-out.ts, the export's path), written byte
 * by byte into Buffers: no JS string per cell or per line, nothing to decode or encode.
 *
 * A COPY row is its cells separated by tabs, `\N` for NULL, then `\n`; in a cell a backslash
 * escapes `\` and the controls \b \f \n \r \t \v, the other controls are as they are. Those
 * escapes are JSON's own but for \v, so a cell becomes a JSON string by escaping `"`, \v (as
 * \u000b) and the raw controls (as \u00xx, lowercase as PostgreSQL and JSON.stringify write
 * them), and the jsonb text of an attribute by undoubling its backslashes (jsonb text has no
 * controls). Everything JSON escapes is ASCII and no byte of a UTF-8 sequence is, so non-ASCII
 * text is copied as it is. CSV cells without an escape whose ends are ASCII, not white space
 * and not a formula's first character are copied (quoted when they hold `"` or `,`); the others
 * go through csvCell as text, so the two paths write the same bytes.
 */

const TAB = 9;
const NEWLINE = 10;
const QUOTE = 34;
const COMMA = 44;
const BACKSLASH = 92;
const HEX = Buffer.from('0123456789abcdef', 'latin1');

/** COPY's escapes of controls (a backslash before anything else is that character). */
const COPY_ESCAPES: Record<string, string> = {
  b: '\b',
  f: '\f',
  n: '\n',
  r: '\r',
  t: '\t',
  v: '\v',
};

/** A cell of COPY's text format: NULL, or its text with the escapes undone. */
export function copyCell(cell: string): string | null {
  if (cell === '\\N') return null;
  return cell.includes('\\')
    ? cell.replace(/\\(.)/gs, (_, c: string) => COPY_ESCAPES[c] ?? c)
    : cell;
}

const isNull = (src: Buffer, p: number, q: number) =>
  q - p === 2 && src[p] === BACKSLASH && src[p + 1] === 0x4e;

/** Writes `src[p..q)`, a COPY cell, as a JSON string; returns the new position. */
function jsonStringBytes(src: Buffer, p: number, q: number, out: Buffer, pos: number): number {
  out[pos++] = QUOTE;
  for (let k = p; k < q; k++) {
    const b = src[k]!;
    if (b >= 0x20 && b !== QUOTE && b !== BACKSLASH) {
      out[pos++] = b;
    } else if (b === BACKSLASH) {
      const c = src[++k]!;
      if (c === 0x76) {
        // \v → \u000b
        out[pos++] = BACKSLASH;
        out[pos++] = 0x75;
        out[pos++] = 0x30;
        out[pos++] = 0x30;
        out[pos++] = 0x30;
        out[pos++] = 0x62;
      } else {
        out[pos++] = BACKSLASH;
        out[pos++] = c;
      }
    } else if (b === QUOTE) {
      out[pos++] = BACKSLASH;
      out[pos++] = QUOTE;
    } else {
      out[pos++] = BACKSLASH;
      out[pos++] = 0x75;
      out[pos++] = 0x30;
      out[pos++] = 0x30;
      out[pos++] = HEX[b >> 4]!;
      out[pos++] = HEX[b & 15]!;
    }
  }
  out[pos++] = QUOTE;
  return pos;
}

/** Writes `src[p..q)`, a COPY cell of jsonb text, as that text; returns the new position. */
function jsonTextBytes(src: Buffer, p: number, q: number, out: Buffer, pos: number): number {
  for (let k = p; k < q; k++) {
    const b = src[k]!;
    out[pos++] = b;
    if (b === BACKSLASH) k++;
  }
  return pos;
}

/** Writes `src[p..q)`, a COPY cell (not NULL), as a CSV cell; returns the new position. */
function csvCellBytes(src: Buffer, p: number, q: number, out: Buffer, pos: number): number {
  if (p === q) return pos;
  const first = src[p]!;
  const last = src[q - 1]!;
  // Ends that are ASCII, not white space and not a formula's first character: csvCell adds no
  // quote mark in front and quotes only for `"` or `,` (a CR or LF would be escaped).
  if (
    first > 0x20 &&
    first < 0x80 &&
    first !== 0x3d && // =
    first !== 0x2b && // +
    first !== 0x2d && // -
    first !== 0x40 && // @
    last > 0x20 &&
    last < 0x80
  ) {
    let quote = false;
    let k = p;
    for (; k < q; k++) {
      const b = src[k]!;
      if (b === BACKSLASH) break;
      if (b === QUOTE || b === COMMA) quote = true;
    }
    if (k === q) {
      // No escape: the cell's bytes are its text.
      if (!quote) {
        src.copy(out, pos, p, q);
        return pos + q - p;
      }
      out[pos++] = QUOTE;
      for (k = p; k < q; k++) {
        const b = src[k]!;
        out[pos++] = b;
        if (b === QUOTE) out[pos++] = QUOTE;
      }
      out[pos++] = QUOTE;
      return pos;
    }
  }
  return pos + out.write(csvCell(copyCell(src.toString('utf8', p, q))), pos, 'utf8');
}

/**
 * Writes the line of one COPY row `src[start..end)` (without its newline) into `out` at `pos`,
 * which has room for it (`roomFor`); returns the new position.
 */
type RowWriter = (src: Buffer, start: number, end: number, out: Buffer, pos: number) => number;

const malformed = () => new Error('a COPY row without the cells of its columns');

/** Where the cell starting at `p` ends: its TAB, or `end` for the row's last cell (else malformed). */
function cellEnd(src: Buffer, p: number, end: number, last: boolean): number {
  let q = p;
  while (q < end && src[q] !== TAB) q++;
  if ((q === end) !== last) throw malformed();
  return q;
}

function ndjsonRowWriter(fields: Field[]): RowWriter {
  const names = fields.map((f, i) => Buffer.from(`${i === 0 ? '{' : ','}${JSON.stringify(f.id)}:`));
  const kinds = fields.map((f) => f.kind);
  const n = fields.length;
  const NULL = Buffer.from('null');
  return (src, start, end, out, pos) => {
    let p = start;
    for (let i = 0; i < n; i++) {
      const q = cellEnd(src, p, end, i === n - 1);
      const kind = kinds[i];
      if (kind === 'spread') {
        // '{"a": 1}' → ',"a": 1}'; the fixed fields come first, so never the first member.
        if (isNull(src, p, q)) {
          out[pos++] = 0x7d;
          return pos;
        }
        out[pos++] = COMMA;
        return jsonTextBytes(src, p + 1, q, out, pos);
      }
      const name = names[i]!;
      for (let k = 0; k < name.length; k++) out[pos++] = name[k]!;
      if (isNull(src, p, q)) {
        for (let k = 0; k < 4; k++) out[pos++] = NULL[k]!;
      } else if (kind === 'string') {
        pos = jsonStringBytes(src, p, q, out, pos);
      } else if (kind === 'json') {
        pos = jsonTextBytes(src, p, q, out, pos);
      } else {
        out[pos++] = QUOTE;
        for (let k = p; k < q; k++) out[pos++] = src[k]!;
        out[pos++] = QUOTE;
      }
      p = q + 1;
    }
    out[pos++] = 0x7d;
    return pos;
  };
}

function csvRowWriter(cells: number): RowWriter {
  return (src, start, end, out, pos) => {
    let p = start;
    for (let i = 0; i < cells; i++) {
      const q = cellEnd(src, p, end, i === cells - 1);
      if (i > 0) out[pos++] = COMMA;
      if (!isNull(src, p, q)) pos = csvCellBytes(src, p, q, out, pos);
      p = q + 1;
    }
    return pos;
  };
}

/**
 * Bytes a buffer of lines is allocated with: a little over CHUNK_CHARS, so one allocation per
 * chunk handed on, of about the size the string path's Buffer.from made (with 256 KiB buffers
 * cut in chunks, the service's RSS crept up from one export to the next in bench:export).
 */
const OUT_BYTES = 80 * 1024;

/**
 * COPY's text-format bytes (in chunks cut anywhere) to NDJSON or CSV lines, in Buffers of whole
 * lines of about CHUNK_CHARS bytes (CSV: the header first). `counter.count` counts the rows.
 */
export async function* copyLineChunks(
  source: AsyncIterable<Buffer>,
  format: LineFormat,
  requested: string[] | null,
  counter: { count: number } = { count: 0 },
): AsyncGenerator<Buffer> {
  const fields = fieldsOf(requested);
  const write = format === 'csv' ? csvRowWriter(fields.length) : ndjsonRowWriter(fields);
  // The most a row's line can take: a raw control becomes \u00xx (6 bytes), a name ~40.
  const names = fields.length * 48 + 2;
  let out = Buffer.allocUnsafe(OUT_BYTES);
  let pos = format === 'csv' ? out.write(`${csvLine(lineFields(requested))}\n`, 'utf8') : 0;
  const room = (bytes: number) => names + 6 * bytes + 1;
  let rest: Buffer | null = null;
  for await (const chunk of source) {
    let start = 0;
    if (rest) {
      // The row cut at the end of the previous chunk.
      const nl = chunk.indexOf(NEWLINE);
      if (nl < 0) {
        rest = Buffer.concat([rest, chunk]);
        continue;
      }
      const whole = Buffer.concat([rest, chunk.subarray(0, nl)]);
      if (pos + room(whole.length) > out.length) {
        if (pos > 0) yield out.subarray(0, pos);
        out = Buffer.allocUnsafe(Math.max(OUT_BYTES, room(whole.length)));
        pos = 0;
      }
      pos = write(whole, 0, whole.length, out, pos);
      out[pos++] = NEWLINE;
      counter.count++;
      start = nl + 1;
    }
    for (let nl = chunk.indexOf(NEWLINE, start); nl >= 0; nl = chunk.indexOf(NEWLINE, start)) {
      if (pos + room(nl - start) > out.length) {
        // Hand on what is written; a new buffer takes the next lines.
        if (pos > 0) yield out.subarray(0, pos);
        out = Buffer.allocUnsafe(Math.max(OUT_BYTES, room(nl - start)));
        pos = 0;
      }
      pos = write(chunk, start, nl, out, pos);
      out[pos++] = NEWLINE;
      counter.count++;
      start = nl + 1;
    }
    rest = start < chunk.length ? chunk.subarray(start) : null;
    if (pos >= CHUNK_CHARS) {
      // Hand on what is written; the rest of the buffer takes the next lines.
      yield out.subarray(0, pos);
      out = out.length - pos >= CHUNK_CHARS ? out.subarray(pos) : Buffer.allocUnsafe(OUT_BYTES);
      pos = 0;
    }
  }
  if (rest) throw new Error('the COPY output ended within a row');
  if (pos > 0) yield out.subarray(0, pos);
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

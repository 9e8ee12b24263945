import { createHash } from 'node:crypto';
import { resolveAttribute } from '../catalogue/attributes';
import { FIXED_FIELDS } from '../catalogue/event-catalogue';
import { SqlParams, type CompiledSql } from '../common/sql-params';
import { EVENTS_TABLE } from '../storage/schema';
import { compileFilter } from './filter.sql';
import type { SearchQuery } from './search.query';

/** Where the previous page stopped: the keyset (event time, seq) of its last event. */
export interface Keyset {
  /** ISO 8601, UTC, milliseconds (the store's precision). */
  ts: string;
  seq: string;
}

/** The event time of `alias`'s row as the API writes it. */
const timestampSql = (alias: string) =>
  `to_char(${alias}.occurred_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"')`;

/** The event time as the API writes it. */
export const TIMESTAMP_SQL = timestampSql('e');

/** Beyond this many event types, one filtered scan plans faster than a branch per type. */
const MAX_TYPE_BRANCHES = 8;

/** Fields always present in an answer, whatever requestedAttributes says. */
const IDENTITY_FIELDS = ['guid', 'eventId', 'timeStamp'];

/** SQL for a fixed field's JSON value (text columns may be NULL). */
function fixedValueSql(id: string, column: string): string {
  if (id === 'timeStamp') return `'"' || ${TIMESTAMP_SQL} || '"'`;
  if (id === 'guid') return `'"' || e.guid::text || '"'`;
  return `coalesce(to_json(e.${column})::text, 'null')`;
}

/**
 * The JSON text of one event, built by PostgreSQL so the service passes it through without
 * parsing and re-serialising: compact, fixed fields first in a stable order, then the type's
 * attributes (the jsonb object's members, spliced in after its opening brace). Field names
 * are constants of the catalogue; requested attribute names are bind parameters.
 */
export function itemSql(requested: string[] | null, params: SqlParams): string {
  if (!requested) {
    const fixed = FIXED_FIELDS.map(
      (f, i) =>
        `'${i === 0 ? '{' : ','}"${f.attributeId}":' || ${fixedValueSql(f.attributeId, f.column)}`,
    ).join(' || ');
    return `${fixed} || CASE WHEN e.attributes = '{}'::jsonb THEN '}' ELSE ',' || substr(e.attributes::text, 2) END`;
  }
  const fields = [...IDENTITY_FIELDS, ...requested.filter((r) => !IDENTITY_FIELDS.includes(r))];
  const members = fields.map((id, i) => {
    const open = i === 0 ? '{' : ',';
    const attribute = resolveAttribute(id);
    if (!attribute) throw new Error(`unknown attribute ${id}`);
    if (attribute.kind === 'fixed') {
      return `'${open}"${id}":' || ${fixedValueSql(id, attribute.field.column)}`;
    }
    const key = params.add(id, 'text');
    return `'${open}' || to_json(${key})::text || ':' || coalesce((e.attributes->${key})::text, 'null')`;
  });
  return `${members.join(' || ')} || '}'`;
}

/** Predicates every shape shares; the user, company and type lists pick the index. */
function wherePredicates(q: SearchQuery, params: SqlParams, after: Keyset | null): string[] {
  const where = [
    `e.institution_id = ${params.add(q.institutionId, 'text')}`,
    `e.occurred_at >= ${params.add(q.startTime.toISOString(), 'timestamptz')}`,
    `e.occurred_at < ${params.add(q.endTime.toISOString(), 'timestamptz')}`,
  ];
  const list = (column: string, values: string[]) =>
    values.length === 1
      ? `e.${column} = ${params.add(values[0], 'text')}`
      : `e.${column} = ANY(${params.add(values, 'text[]')})`;
  if (q.userIds.length > 0) {
    where.push(list(q.userIdType === 'loginId' ? 'login_id' : 'customer_id', q.userIds));
  }
  if (q.companyIds.length > 0) where.push(list('company_id', q.companyIds));
  if (q.userType) where.push(`e.user_type = ${params.add(q.userType, 'text')}`);
  if (q.filter) where.push(compileFilter(q.filter, params));
  if (after) {
    const op = q.sortOrder === 'ASC' ? '>' : '<';
    where.push(
      `(e.occurred_at, e.seq) ${op} (${params.add(after.ts, 'timestamptz')}, ${params.add(after.seq, 'bigint')})`,
    );
  }
  return where;
}

const orderBy = (q: SearchQuery, alias = 'e') =>
  `ORDER BY ${alias}.occurred_at ${q.sortOrder}, ${alias}.seq ${q.sortOrder}`;

/** A compiled page: a named statement when its text comes from a bounded set (see below). */
export interface CompiledPage extends CompiledSql {
  /** The prepared statement's name on each connection, when the text is one of few. */
  name?: string;
}

/** Names of prepared page statements, by text (bounded: see compileSearchPage). */
const statementNames = new Map<string, string>();
const MAX_NAMED_STATEMENTS = 500;

function statementName(text: string): string | undefined {
  let name = statementNames.get(text);
  if (name === undefined && statementNames.size < MAX_NAMED_STATEMENTS) {
    name = `search_${createHash('sha256').update(text).digest('base64url').slice(0, 20)}`;
    statementNames.set(text, name);
  }
  return name;
}

/**
 * One page of a search as a single row: `rows` (how many of pageSize + 1 matched; the extra one
 * tells whether there is a next page), `items` (the JSON text of the first pageSize events,
 * joined with commas, in order) and the keyset (event time, seq) of the page's last event when
 * there is a next page (`last_ts`, `last_seq`). Keyset order after the previous page, never
 * OFFSET. PostgreSQL joins the items, so the service receives one value instead of a row per
 * event (and no event time is formatted but the last one's).
 *
 * Several event types of the whole FI (shapes 5) are asked as one ordered, limited branch per
 * type, merged: each branch walks its own range of IDX_events_type_time, so a rare type
 * among common ones never scans the FI's whole range.
 *
 * Without additionalFilters and requestedAttributes the statement's text depends only on the
 * query's shape (which lists are given, how many types), never on a value: such statements are
 * named, so that each connection parses them once and PostgreSQL may reuse the plan. Generic
 * plans were checked against custom ones for skewed values (a rare and a common event type, a
 * heavy and a light user, a short and a long range): the same indexes, the same buffers.
 */
export function compileSearchPage(q: SearchQuery, after: Keyset | null): CompiledPage {
  const params = new SqlParams();
  const perTypeBranches =
    q.eventIds.length > 1 &&
    q.eventIds.length <= MAX_TYPE_BRANCHES &&
    q.userIds.length === 0 &&
    q.companyIds.length === 0;

  let from: string;
  let where: string;
  let limit: string;
  if (!perTypeBranches) {
    const predicates = wherePredicates(q, params, after);
    if (q.eventIds.length === 1)
      predicates.push(`e.event_id = ${params.add(q.eventIds[0], 'text')}`);
    if (q.eventIds.length > 1)
      predicates.push(`e.event_id = ANY(${params.add(q.eventIds, 'text[]')})`);
    from = `${EVENTS_TABLE} e`;
    where = ` WHERE ${predicates.join(' AND ')}`;
    limit = params.add(q.pageSize + 1, 'integer');
  } else {
    const common = wherePredicates(q, params, after).join(' AND ');
    limit = params.add(q.pageSize + 1, 'integer');
    const branches = q.eventIds.map(
      (id) =>
        `(SELECT * FROM ${EVENTS_TABLE} e WHERE ${common} AND e.event_id = ${params.add(id, 'text')} ${orderBy(q)} LIMIT ${limit})`,
    );
    from = `(${branches.join(' UNION ALL ')}) e`;
    where = '';
  }
  const item = itemSql(q.requestedAttributes, params);
  const pageSize = params.add(q.pageSize, 'integer');
  const page =
    `SELECT e.occurred_at, e.seq, ${item} AS item, row_number() OVER (${orderBy(q)}) AS n ` +
    `FROM ${from}${where} ${orderBy(q)} LIMIT ${limit}`;
  // The aggregate's order is the page's own (no sort: the rows arrive in it).
  const text =
    `SELECT count(*)::int AS rows, ` +
    `string_agg(p.item, ',' ${orderBy(q, 'p')}) FILTER (WHERE p.n <= ${pageSize}) AS items, ` +
    `max(${timestampSql('p')}) FILTER (WHERE p.n = ${pageSize}) AS last_ts, ` +
    `max(p.seq) FILTER (WHERE p.n = ${pageSize})::text AS last_seq ` +
    `FROM (${page}) p`;
  const named = q.filter === null && q.requestedAttributes === null;
  return { text, values: params.values, name: named ? statementName(text) : undefined };
}

/**
 * Every match, in order, for a cursor; `selectList` writes the columns over `e` (the export's
 * serializer, export/event-lines.ts, says which).
 */
export function compileExport(
  q: SearchQuery,
  selectList: (params: SqlParams) => string,
): CompiledSql {
  const params = new SqlParams();
  const where = wherePredicates(q, params, null);
  if (q.eventIds.length === 1) where.push(`e.event_id = ${params.add(q.eventIds[0], 'text')}`);
  if (q.eventIds.length > 1) where.push(`e.event_id = ANY(${params.add(q.eventIds, 'text[]')})`);
  const text = `SELECT ${selectList(params)} FROM ${EVENTS_TABLE} e WHERE ${where.join(' AND ')} ${orderBy(q)}`;
  return { text, values: params.values };
}

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

/** The event time as the API writes it. */
export const TIMESTAMP_SQL = `to_char(e.occurred_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"')`;

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

const orderBy = (q: SearchQuery) => `ORDER BY e.occurred_at ${q.sortOrder}, e.seq ${q.sortOrder}`;

/**
 * One page of a search: pageSize + 1 rows (the extra one tells whether there is a next page)
 * in (event time, seq) order after the keyset, never OFFSET. Each row has the keyset and the
 * event's JSON.
 *
 * Several event types of the whole FI (shapes 5) are asked as one ordered, limited branch per
 * type, merged: each branch walks its own range of IDX_events_type_time, so a rare type
 * among common ones never scans the FI's whole range.
 */
export function compileSearchPage(q: SearchQuery, after: Keyset | null): CompiledSql {
  const params = new SqlParams();
  const limit = q.pageSize + 1;
  const select = `SELECT e.seq::text AS seq, ${TIMESTAMP_SQL} AS ts`;
  const perTypeBranches =
    q.eventIds.length > 1 &&
    q.eventIds.length <= MAX_TYPE_BRANCHES &&
    q.userIds.length === 0 &&
    q.companyIds.length === 0;

  if (!perTypeBranches) {
    const where = wherePredicates(q, params, after);
    if (q.eventIds.length === 1) where.push(`e.event_id = ${params.add(q.eventIds[0], 'text')}`);
    if (q.eventIds.length > 1) where.push(`e.event_id = ANY(${params.add(q.eventIds, 'text[]')})`);
    const item = itemSql(q.requestedAttributes, params);
    const text = `${select}, ${item} AS item FROM ${EVENTS_TABLE} e WHERE ${where.join(' AND ')} ${orderBy(q)} LIMIT ${params.add(limit, 'integer')}`;
    return { text, values: params.values };
  }

  const common = wherePredicates(q, params, after).join(' AND ');
  const limitParam = params.add(limit, 'integer');
  const branches = q.eventIds.map(
    (id) =>
      `(SELECT * FROM ${EVENTS_TABLE} e WHERE ${common} AND e.event_id = ${params.add(id, 'text')} ${orderBy(q)} LIMIT ${limitParam})`,
  );
  const item = itemSql(q.requestedAttributes, params);
  const text = `${select}, ${item} AS item FROM (${branches.join(' UNION ALL ')}) e ${orderBy(q)} LIMIT ${limitParam}`;
  return { text, values: params.values };
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

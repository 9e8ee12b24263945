import { resolveAttribute } from '../../catalogue/attributes';
import { FIXED_FIELDS } from '../../catalogue/event-catalogue';
import { SqlParams, type CompiledSql } from '../../common/sql-params';
import { compileFilter } from '../../search/filter.sql';
import { itemSql, TIMESTAMP_SQL } from '../../search/search.sql';
import { ACTIVITY_SCHEMA, EVENTS_TABLE, SEQ_PER_BATCH } from '../../storage/schema';
import type { FileFormat, SubscriptionFilter } from '../delivery.ports';

/** Fields always in an answer, whatever requestedAttributes says (as in search and export). */
const IDENTITY_FIELDS = ['guid', 'eventId', 'timeStamp'];

/** The events of one file: a range of feed positions of one FI, through a subscription's filter. */
export interface RangeQuery {
  institutionId: string;
  /** Exclusive. */
  fromPosition: string;
  /** Inclusive. */
  toPosition: string;
  filter: SubscriptionFilter;
  requestedAttributes: string[] | null;
  format: FileFormat;
  /** Replays: only batches sequenced in [start, end) (commit time), however positions interleave. */
  sequencedIn?: { start: Date; end: Date };
}

/** The CSV header of a file: one column per field, as the export writes it. */
export function csvColumns(requested: string[] | null): string[] {
  return requested
    ? [...IDENTITY_FIELDS, ...requested.filter((r) => !IDENTITY_FIELDS.includes(r))]
    : [...FIXED_FIELDS.map((f) => f.attributeId), 'attributes'];
}

/** The filter's predicates over `e`, every value bound (the search compiler for additionalFilters). */
function filterPredicates(filter: SubscriptionFilter, params: SqlParams): string[] {
  const where: string[] = [];
  const list = (column: string, values: string[]) =>
    values.length === 1
      ? `e.${column} = ${params.add(values[0], 'text')}`
      : `e.${column} = ANY(${params.add(values, 'text[]')})`;
  if (filter.eventIds.length > 0) where.push(list('event_id', filter.eventIds));
  if (filter.userIds.length > 0) {
    where.push(
      list(filter.userIdType === 'customerId' ? 'customer_id' : 'login_id', filter.userIds),
    );
  }
  if (filter.companyIds.length > 0) where.push(list('company_id', filter.companyIds));
  if (filter.userType) where.push(`e.user_type = ${params.add(filter.userType, 'text')}`);
  if (filter.additionalFilters) where.push(compileFilter(filter.additionalFilters, params));
  return where;
}

/**
 * Every matching event of the batches at feed positions (from, to] of one FI, in feed (commit)
 * order then seq: NDJSON as one `item` column (the search result's JSON, built by PostgreSQL),
 * CSV as one column per field. Each batch's rows are found by its seq range on IDX_events_seq,
 * in the partitions its time range covers (as the feed reads them).
 */
export function compileRange(q: RangeQuery): CompiledSql & { columns: string[] } {
  const params = new SqlParams();
  const fi = params.add(q.institutionId, 'text');
  const inner = [
    `e.institution_id = ${fi}`,
    `e.seq >= f.batch_id * ${SEQ_PER_BATCH}`,
    `e.seq < (f.batch_id + 1) * ${SEQ_PER_BATCH}`,
    `e.occurred_at >= f.min_at`,
    `e.occurred_at <= f.max_at`,
    ...filterPredicates(q.filter, params),
  ];
  let selectList: string;
  let columns: string[];
  if (q.format === 'ndjson') {
    selectList = `${itemSql(q.requestedAttributes, params)} AS item`;
    columns = ['item'];
  } else {
    columns = csvColumns(q.requestedAttributes);
    selectList = columns
      .map((id) => {
        if (id === 'timeStamp') return TIMESTAMP_SQL;
        if (id === 'attributes')
          return `CASE WHEN e.attributes = '{}'::jsonb THEN NULL ELSE e.attributes::text END`;
        const attribute = resolveAttribute(id);
        if (!attribute) throw new Error(`unknown attribute ${id}`);
        if (attribute.kind === 'fixed') return `e.${attribute.field.column}::text`;
        const key = params.add(id, 'text');
        return `CASE WHEN jsonb_typeof(e.attributes->${key}) = 'string' THEN e.attributes->>${key} ELSE (e.attributes->${key})::text END`;
      })
      .join(', ');
  }
  const text = `
    SELECT ${selectList}
      FROM ${ACTIVITY_SCHEMA}.feed_log f
      CROSS JOIN LATERAL (
        SELECT * FROM ${EVENTS_TABLE} e WHERE ${inner.join(' AND ')}
      ) e
     WHERE f.institution_id = ${fi}
       AND f.position > ${params.add(q.fromPosition, 'bigint')}
       AND f.position <= ${params.add(q.toPosition, 'bigint')}${
         q.sequencedIn
           ? ` AND f.sequenced_at >= ${params.add(q.sequencedIn.start.toISOString(), 'timestamptz')} AND f.sequenced_at < ${params.add(q.sequencedIn.end.toISOString(), 'timestamptz')}`
           : ''
       }
     ORDER BY f.position, e.seq`;
  return { text, values: params.values, columns };
}

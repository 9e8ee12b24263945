import { SqlParams, type CompiledSql } from '../../common/sql-params';
import { eventColumnsSql } from '../../export/event-lines';
import { compileFilter } from '../../search/filter.sql';
import { ACTIVITY_SCHEMA, EVENTS_TABLE, SEQ_PER_BATCH } from '../../storage/schema';
import type { FileFormat, SubscriptionFilter } from '../delivery.ports';

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
 * order then seq, one column per field (export/event-lines.ts makes the lines). Each batch's
 * rows are found by its seq range on IDX_events_seq, in the partitions its time range covers
 * (as the feed reads them).
 *
 * `ORDER BY e.seq LIMIT f.event_count` (the batch's own count of this FI's events, so it never
 * cuts a row) is what steers the planner to that index: without it, the seq bounds being
 * unknown at plan time, it walked the primary key over the batch's whole [min_at, max_at] for
 * every batch, all the FI's events in that time span, so a window of n batches cost n times
 * its time range (2.7 M buffer hits instead of 32 k for 1 M events in 200 batches spread over
 * a day; bench:delivery-files).
 */
export function compileRange(q: RangeQuery): CompiledSql {
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
  const selectList = eventColumnsSql(q.requestedAttributes, q.format, params);
  const text = `
    SELECT ${selectList}
      FROM ${ACTIVITY_SCHEMA}.feed_log f
      CROSS JOIN LATERAL (
        SELECT * FROM ${EVENTS_TABLE} e WHERE ${inner.join(' AND ')}
         ORDER BY e.seq LIMIT f.event_count
      ) e
     WHERE f.institution_id = ${fi}
       AND f.position > ${params.add(q.fromPosition, 'bigint')}
       AND f.position <= ${params.add(q.toPosition, 'bigint')}${
         q.sequencedIn
           ? ` AND f.sequenced_at >= ${params.add(q.sequencedIn.start.toISOString(), 'timestamptz')} AND f.sequenced_at < ${params.add(q.sequencedIn.end.toISOString(), 'timestamptz')}`
           : ''
       }
     ORDER BY f.position, e.seq`;
  return { text, values: params.values };
}

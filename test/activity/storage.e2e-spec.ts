import { dataSourceOptions } from '@app/common';
import { DataSource } from 'typeorm';
import { activityDatabase } from '../../apps/activity-service/src/database';
import { parseSearchRequest } from '../../apps/activity-service/src/search/search.query';
import { compileSearchPage } from '../../apps/activity-service/src/search/search.sql';
import { PartitionMaintainer } from '../../apps/activity-service/src/storage/partition.maintainer';
import {
  ensurePartitions,
  listPartitions,
  partitionStart,
  PARTITION_DAYS,
} from '../../apps/activity-service/src/storage/partition.repository';
import { generateEvents, ingest } from '../support/activity-fixtures';
import { startActivityPlatform, type ActivityPlatform } from '../support/activity-platform';

const DAY = 86_400_000;

interface PlanNode {
  'Node Type': string;
  'Index Name'?: string;
  'Relation Name'?: string;
  Plans?: PlanNode[];
}

const nodes = (plan: PlanNode): PlanNode[] => [plan, ...(plan.Plans ?? []).flatMap(nodes)];

describe('Activity storage: schema, partitions, retention, plans (e2e)', () => {
  let p: ActivityPlatform;
  const now = Date.now();

  beforeAll(async () => {
    p = await startActivityPlatform('activity_storage');
  });

  afterAll(async () => {
    await p?.close();
  });

  it('has entities and migrations that agree, as far as TypeORM can tell', async () => {
    // activity.events is partitioned and has no entity (see database.ts); the rest is diffed.
    const dataSource = await new DataSource(
      dataSourceOptions(p.db.url, activityDatabase, 1),
    ).initialize();
    try {
      expect(await dataSource.showMigrations()).toBe(false);
      const diff = await dataSource.driver.createSchemaBuilder().log();
      expect(diff.upQueries.map((q) => q.query)).toEqual([]);
    } finally {
      await dataSource.destroy();
    }
  });

  it('partitions events by week, ahead of now, on the parent table of the migration', async () => {
    const parts = await listPartitions(p.sql);
    const current = partitionStart(new Date());
    expect(parts.some((x) => x.from.getTime() === current.getTime())).toBe(true);
    expect(parts[parts.length - 1]!.to.getTime()).toBeGreaterThanOrEqual(now + 14 * DAY);
    for (const x of parts) {
      expect(x.to.getTime() - x.from.getTime()).toBe(PARTITION_DAYS * DAY);
      expect(x.from.getUTCDay()).toBe(1);
      expect(x.name).toBe(`events_p${x.from.toISOString().slice(0, 10).replace(/-/g, '')}`);
    }
    // Each week is split by institution: 8 hash sub-partitions, each with every index of the
    // parent (the week itself holds the partitioned indexes).
    for (const x of parts) {
      const week = await p.sql.query(
        `SELECT pt.partstrat AS strategy, a.attname AS key
           FROM pg_partitioned_table pt
           JOIN pg_attribute a ON a.attrelid = pt.partrelid AND a.attnum = pt.partattrs[0]
          WHERE pt.partrelid = $1::regclass`,
        [`activity.${x.name}`],
      );
      expect(week.rows).toEqual([{ strategy: 'h', key: 'institution_id' }]);
      const subs = await p.sql.query(
        `SELECT c.relname AS name, pg_get_expr(c.relpartbound, c.oid) AS bound,
                (SELECT array_agg(r.root ORDER BY r.root)
                   FROM pg_index i, LATERAL (SELECT pg_partition_root(i.indexrelid)::text AS root) r
                  WHERE i.indrelid = c.oid) AS indexes
           FROM pg_inherits h JOIN pg_class c ON c.oid = h.inhrelid
          WHERE h.inhparent = $1::regclass ORDER BY c.relname`,
        [`activity.${x.name}`],
      );
      expect(subs.rows).toEqual(
        Array.from({ length: 8 }, (_, r) => ({
          name: `${x.name}_h${r}`,
          bound: `FOR VALUES WITH (modulus 8, remainder ${r})`,
          indexes: [
            'activity."IDX_events_company_time"',
            'activity."IDX_events_customer_time"',
            'activity."IDX_events_login_time"',
            'activity."IDX_events_seq"',
            'activity."IDX_events_type_time"',
            'activity."PK_events"',
          ],
        })),
      );
    }
    // Making them again changes nothing.
    expect(await ensurePartitions(p.sql, new Date(), new Date(now + 14 * DAY))).toEqual([]);
  });

  it('drops partitions past retention with their idempotency keys and feed entries', async () => {
    const internal = await p.internalToken();
    const old = generateEvents('fi-a', 4, now - 300 * DAY, now - 299 * DAY, 1);
    const recent = generateEvents('fi-a', 4, now - 10 * DAY, now - 9 * DAY, 2);
    await ingest(p, internal, [...old, ...recent]);
    await ingest(p, internal, generateEvents('fi-a', 2, now - 300 * DAY, now - 299 * DAY, 3));
    const count = async (table: string, guids: string[]) =>
      (
        await p.sql.query(
          `SELECT count(*)::int AS n FROM activity.${table} WHERE guid::text = ANY($1)`,
          [guids],
        )
      ).rows[0].n as number;
    expect(
      await count(
        'events',
        old.map((e) => e.guid),
      ),
    ).toBe(4);

    // A year later (retention is 400 days): the 300-day-old week is gone, the rest stays.
    const later = new Date(now + 150 * DAY);
    await p.activity.app.get(PartitionMaintainer).maintain(later);
    const parts = await listPartitions(p.sql);
    expect(parts[0]!.to.getTime()).toBeGreaterThan(later.getTime() - 400 * DAY);
    expect(
      await count(
        'events',
        old.map((e) => e.guid),
      ),
    ).toBe(0);
    expect(
      await count(
        'event_guids',
        old.map((e) => e.guid),
      ),
    ).toBe(0);
    expect(
      await count(
        'events',
        recent.map((e) => e.guid),
      ),
    ).toBe(4);
    expect(
      await count(
        'event_guids',
        recent.map((e) => e.guid),
      ),
    ).toBe(4);
    const feed = await p.sql.query(
      `SELECT count(*)::int AS n FROM activity.feed_log WHERE max_at < $1`,
      [new Date(later.getTime() - 400 * DAY)],
    );
    expect(feed.rows[0].n).toBe(0);
    // And partitions were made ahead of that date too.
    expect(parts[parts.length - 1]!.to.getTime()).toBeGreaterThanOrEqual(
      later.getTime() + 14 * DAY,
    );
  });

  it('serves each of the six shapes from its index, in order, without sorting (EXPLAIN)', async () => {
    const internal = await p.internalToken();
    await ingest(p, internal, generateEvents('fi-a', 400, now - 20 * DAY, now - DAY, 9));
    await p.sql.query('ANALYZE activity.events');
    const range = {
      startTime: new Date(now - 30 * DAY).toISOString(),
      endTime: new Date(now).toISOString(),
    };
    // Each scan's index by the parent's index it belongs to (partition index names are
    // generated, and cut short past 63 characters).
    const shapes: [string, Record<string, unknown>, RegExp][] = [
      ['1', { ...range, userId: 'retail1' }, /^IDX_events_login_time$/],
      [
        '2',
        { ...range, userId: 'retail1', eventIds: ['loginSuccess', 'logout'] },
        /^IDX_events_login_time$/,
      ],
      [
        '3',
        { ...range, userId: 'retail1', eventIds: ['logout'] },
        /^IDX_events_(login|type)_time$/,
      ],
      ['4', range, /^PK_events$/],
      ['5', { ...range, eventIds: ['loginSuccess', 'logout'] }, /^IDX_events_type_time$/],
      ['6', { ...range, eventIds: ['logout'] }, /^IDX_events_type_time$/],
      [
        'customerId',
        { ...range, userIdType: 'customerId', userId: 'c-r1' },
        /^IDX_events_customer_time$/,
      ],
      ['company', { ...range, companyIds: ['co1'] }, /^IDX_events_company_time$/],
    ];
    const roots = new Map<string, string>();
    const rootIndex = async (name: string): Promise<string> => {
      if (!roots.has(name)) {
        const r = await p.sql.query(
          `SELECT c.relname AS root FROM pg_class c
            WHERE c.oid = pg_partition_root(to_regclass('activity.' || quote_ident($1)))`,
          [name],
        );
        roots.set(name, r.rows[0]?.root ?? name);
      }
      return roots.get(name)!;
    };
    const client = await p.sql.connect();
    try {
      // With a few hundred rows a sequential scan is cheapest; forbid it to see the index path.
      await client.query('SET enable_seqscan = off');
      await client.query('SET enable_bitmapscan = off');
      const outcomes: Record<string, unknown>[] = [];
      // Planned without the types' values, a sub-partition of a few dozen rows is read as cheaply
      // in the FI's time order (PK_events) with the types as a filter, still without sorting; on
      // 1.2 M events the generic plans read IDX_events_type_time (docs/BENCHMARKS.md).
      const typeOnly = new Set(['5', '6']);
      const holding = new Set(
        (
          await client.query<{ name: string }>(
            `SELECT relname AS name FROM pg_class
              WHERE relnamespace = 'activity'::regnamespace AND relkind = 'r' AND reltuples > 0`,
          )
        ).rows.map((r) => r.name),
      );
      for (const [name, body, index] of shapes) {
        const q = parseSearchRequest(body, {
          institutionId: 'fi-a',
          now,
          maxLookbackDays: 93,
          mode: 'search',
        });
        const sql = compileSearchPage(q, null);
        // The plan for these values, and the generic plan the service's search pools run
        // (plan_cache_mode = force_generic_plan, storage/activity-database.ts).
        for (const [plan, explain, values] of [
          ['custom', 'EXPLAIN (FORMAT JSON)', sql.values],
          ['generic', 'EXPLAIN (GENERIC_PLAN, FORMAT JSON)', []],
        ] as const) {
          const explained = await client.query(`${explain} ${sql.text}`, [...values]);
          const all = nodes((explained.rows[0]['QUERY PLAN'] as { Plan: PlanNode }[])[0]!.Plan);
          // A generic plan holds every week's sub-partitions, pruned when it runs; those without
          // a row (weeks made ahead, FIs with no events here) are planned from no statistics.
          const scans = all.filter(
            (n) => n['Index Name'] && (plan === 'custom' || holding.has(n['Relation Name']!)),
          );
          const used = await Promise.all(scans.map((n) => rootIndex(n['Index Name']!)));
          outcomes.push({
            name,
            plan,
            scans: scans.length > 0,
            others: [
              ...new Set(
                used.filter(
                  (u) =>
                    !index.test(u) &&
                    !(plan === 'generic' && typeOnly.has(name) && u === 'PK_events'),
                ),
              ),
            ],
            sorted: all.some((n) => n['Node Type'] === 'Sort'),
          });
        }
      }
      expect(outcomes).toEqual(
        outcomes.map(({ name, plan }) => ({ name, plan, scans: true, others: [], sorted: false })),
      );
    } finally {
      await client.query('RESET ALL');
      client.release();
    }
  });
});

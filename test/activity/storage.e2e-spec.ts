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
    // Every partition carries every index of the parent.
    const indexes = await p.sql.query(
      `SELECT count(*)::int AS n FROM pg_indexes WHERE schemaname = 'activity' AND tablename = $1`,
      [parts[0]!.name],
    );
    expect(indexes.rows[0].n).toBe(6);
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
    const shapes: [string, Record<string, unknown>, RegExp][] = [
      ['1', { ...range, userId: 'retail1' }, /login_id_occurred_at_seq/],
      [
        '2',
        { ...range, userId: 'retail1', eventIds: ['loginSuccess', 'logout'] },
        /login_id_occurred_at_seq/,
      ],
      [
        '3',
        { ...range, userId: 'retail1', eventIds: ['logout'] },
        /login_id_occurred_at_seq|event_id_occurred_at_seq/,
      ],
      ['4', range, /institution_id_occurred_at_seq|pkey/],
      ['5', { ...range, eventIds: ['loginSuccess', 'logout'] }, /event_id_occurred_at_seq/],
      ['6', { ...range, eventIds: ['logout'] }, /event_id_occurred_at_seq/],
      [
        'customerId',
        { ...range, userIdType: 'customerId', userId: 'c-r1' },
        /customer_id_occurred_at_seq/,
      ],
      ['company', { ...range, companyIds: ['co1'] }, /company_id_occurred_at_seq/],
    ];
    const client = await p.sql.connect();
    try {
      // With a few hundred rows a sequential scan is cheapest; forbid it to see the index path.
      await client.query('SET enable_seqscan = off');
      await client.query('SET enable_bitmapscan = off');
      for (const [name, body, index] of shapes) {
        const q = parseSearchRequest(body, {
          institutionId: 'fi-a',
          now,
          maxLookbackDays: 93,
          mode: 'search',
        });
        const sql = compileSearchPage(q, null);
        const explained = await client.query(`EXPLAIN (FORMAT JSON) ${sql.text}`, sql.values);
        const all = nodes((explained.rows[0]['QUERY PLAN'] as { Plan: PlanNode }[])[0]!.Plan);
        const scans = all.filter((n) => n['Index Name']);
        expect({ name, indexes: scans.every((n) => index.test(n['Index Name']!)) }).toEqual({
          name,
          indexes: true,
        });
        expect({ name, sorted: all.some((n) => n['Node Type'] === 'Sort') }).toEqual({
          name,
          sorted: false,
        });
      }
    } finally {
      await client.query('RESET ALL');
      client.release();
    }
  });
});

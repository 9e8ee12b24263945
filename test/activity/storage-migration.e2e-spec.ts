import { randomUUID } from 'node:crypto';
import { applyMigrations, dataSourceOptions } from '@app/common';
import type { Pool } from 'pg';
import { DataSource } from 'typeorm';
import { activityDatabase } from '../../apps/activity-service/src/database';
import {
  writeEvents,
  type StoredEvent,
} from '../../apps/activity-service/src/ingest/event.repository';
import { migrations } from '../../apps/activity-service/src/migrations';
import { InstitutionKeys1796100000000 } from '../../apps/activity-service/src/migrations/1796100000000-InstitutionKeys';
import { EventsByInstitution1796400000000 } from '../../apps/activity-service/src/migrations/1796400000000-EventsByInstitution';
import { parseSearchRequest } from '../../apps/activity-service/src/search/search.query';
import { compileSearchPage } from '../../apps/activity-service/src/search/search.sql';
import {
  dropPartitionsBefore,
  ensurePartitions,
  PARTITION_DAYS,
  partitionName,
  partitionStart,
} from '../../apps/activity-service/src/storage/partition.repository';
import { createTestDatabase, testPool, type TestDatabase } from '../support/database';

const DAY = 86_400_000;

function event(institutionId: string, guid: string, at: Date): StoredEvent {
  return {
    guid,
    eventId: 'loginSuccess',
    occurredAt: at.getTime(),
    institutionId,
    userType: 'retail',
    loginId: 'u1',
    customerId: null,
    institutionCustomerId: null,
    accountType: null,
    channel: 'mobile',
    ipAddress: null,
    attributes: { clientId: 'app' },
  };
}

/**
 * The per-institution keys and feed order (migration InstitutionKeys) applied to a database
 * that already holds events and a feed under the previous head: keys take their event's FI,
 * feed positions go on above every position handed out before (old cursors stay valid).
 */
/** Applies `list` (the activity migrations up to some head) to the database at `url`. */
async function migrate(url: string, list: typeof migrations): Promise<string[]> {
  const ds = await new DataSource(
    dataSourceOptions(url, { ...activityDatabase, migrations: list }, 2),
  ).initialize();
  try {
    return await applyMigrations(ds, 'activity');
  } finally {
    await ds.destroy();
  }
}

describe('Activity migration InstitutionKeys on a database of the previous head (e2e)', () => {
  let db: TestDatabase;
  let pool: Pool;
  const at = new Date(Math.floor(Date.now() / 1000) * 1000 - DAY);
  const guids = { a: randomUUID(), b: randomUUID(), orphan: randomUUID() };

  beforeAll(async () => {
    db = await createTestDatabase('activity_migration');
    pool = testPool(db.url, 3);
    const previous = migrations.filter((m) => m !== InstitutionKeys1796100000000);
    expect(previous.length).toBe(migrations.length - 1);
    await migrate(db.url, previous);
    await ensurePartitions(pool, new Date(at.getTime() - DAY), new Date(at.getTime() + DAY));
    // Written as the previous head wrote them: guid keys alone, one global feed position.
    for (const [fi, guid, seq] of [
      ['fi-a', guids.a, 1],
      ['fi-b', guids.b, 2],
    ] as const) {
      await pool.query(
        `INSERT INTO activity.events (seq, guid, institution_id, event_id, occurred_at, login_id)
         VALUES ($1, $2, $3, 'loginSuccess', $4, 'u1')`,
        [seq * 8192, guid, fi, at],
      );
      await pool.query(`INSERT INTO activity.event_guids (guid, occurred_at) VALUES ($1, $2)`, [
        guid,
        at,
      ]);
      await pool.query(`SELECT activity.append_to_feed($1, $2, $3, $3, 1)`, [seq, fi, at]);
    }
    // A key whose event is gone (its partition dropped before the key was pruned).
    await pool.query(`INSERT INTO activity.event_guids (guid, occurred_at) VALUES ($1, $2)`, [
      guids.orphan,
      at,
    ]);
    // Positions handed out and lost (a rolled-back ingest) count too.
    await pool.query(`SELECT nextval('activity.feed_position_seq')`);
    expect(await migrate(db.url, migrations)).toEqual(['InstitutionKeys1796100000000']);
  });

  afterAll(async () => {
    await pool?.end();
    await db?.drop();
  });

  it('keys idempotency and the feed by institution, each key taking its event’s FI', async () => {
    const keys = await pool.query(
      `SELECT guid::text, institution_id FROM activity.event_guids ORDER BY institution_id`,
    );
    expect(keys.rows).toEqual([
      { guid: guids.a, institution_id: 'fi-a' },
      { guid: guids.b, institution_id: 'fi-b' },
    ]);
    const pk = await pool.query(
      `SELECT c.conrelid::regclass::text AS t, array_agg(a.attname::text ORDER BY k.ord) AS cols
         FROM pg_constraint c
         CROSS JOIN LATERAL unnest(c.conkey) WITH ORDINALITY AS k(attnum, ord)
         JOIN pg_attribute a ON a.attrelid = c.conrelid AND a.attnum = k.attnum
        WHERE c.contype = 'p' AND c.conrelid::regclass::text IN
              ('activity.event_guids', 'activity.feed_log', 'activity.feed_heads')
        GROUP BY 1 ORDER BY 1`,
    );
    expect(pk.rows).toEqual([
      { t: 'activity.event_guids', cols: ['institution_id', 'guid'] },
      { t: 'activity.feed_heads', cols: ['institution_id'] },
      { t: 'activity.feed_log', cols: ['institution_id', 'position'] },
    ]);
  });

  it('goes on above every position handed out before, for known and new FIs alike', async () => {
    const old = await pool.query(
      `SELECT institution_id, position::int FROM activity.feed_log ORDER BY position`,
    );
    expect(old.rows).toEqual([
      { institution_id: 'fi-a', position: 1 },
      { institution_id: 'fi-b', position: 2 },
    ]);
    const later = new Date(at.getTime() + 1000);
    // The same guid again for fi-a is a duplicate; for fi-c it is a new event of fi-c.
    expect(await writeEvents(pool, [event('fi-a', guids.a, later)])).toMatchObject({
      accepted: 0,
      duplicates: 1,
    });
    expect(
      await writeEvents(pool, [event('fi-a', randomUUID(), later), event('fi-c', guids.a, later)]),
    ).toEqual({ accepted: 2, duplicates: 0, institutions: ['fi-a', 'fi-c'] });
    await writeEvents(pool, [event('fi-a', randomUUID(), later)]);
    const now = await pool.query(
      `SELECT institution_id, array_agg(position::int ORDER BY position) AS ps
         FROM activity.feed_log GROUP BY 1 ORDER BY 1`,
    );
    // The last position handed out before was 3 (2, then one lost): both FIs go on from 4.
    expect(now.rows).toEqual([
      { institution_id: 'fi-a', ps: [1, 4, 5] },
      { institution_id: 'fi-b', ps: [2] },
      { institution_id: 'fi-c', ps: [4] },
    ]);
  });

  it('goes down and up again, keeping the per-FI feed key once two FIs share a position', async () => {
    const ds = await new DataSource(dataSourceOptions(db.url, activityDatabase, 2)).initialize();
    try {
      await ds.undoLastMigration({ transaction: 'each' });
      const down = await pool.query(
        `SELECT (SELECT count(*)::int FROM activity.event_guids) AS keys,
                (SELECT to_regclass('activity.feed_heads') IS NULL) AS no_heads`,
      );
      // The guid fi-a and fi-c both used is one key again (fi-a's); the heads are gone.
      expect(down.rows[0]).toEqual({ keys: 4, no_heads: true });
      expect(await migrate(db.url, migrations)).toEqual(['InstitutionKeys1796100000000']);
    } finally {
      await ds.destroy();
    }
    const after = await writeEvents(pool, [
      event('fi-b', randomUUID(), new Date(at.getTime() + 2000)),
    ]);
    expect(after.accepted).toBe(1);
    const last = await pool.query(
      `SELECT max(position)::int AS p FROM activity.feed_log WHERE institution_id = 'fi-b'`,
    );
    // Above everything handed out before the round trip (fi-a reached 5).
    expect(last.rows[0].p).toBeGreaterThan(5);
  });
});

/**
 * Weeks split by institution (migration EventsByInstitution) on a database that already holds
 * weeks of the previous layout: those stay one plain table each, weeks made afterwards are split
 * into 8 hash sub-partitions, and ingest, reads and retention work on both.
 */
describe('Activity migration EventsByInstitution on a database with plain weeks (e2e)', () => {
  let db: TestDatabase;
  let pool: Pool;
  const week = partitionStart(new Date(Date.now() - 7 * DAY));
  const next = new Date(week.getTime() + PARTITION_DAYS * DAY);
  const inOld = new Date(week.getTime() + DAY);
  const inNew = new Date(next.getTime() + DAY);

  const kind = async (name: string) =>
    (
      await pool.query<{ kind: string; subs: number }>(
        `SELECT c.relkind::text AS kind,
                (SELECT count(*)::int FROM pg_inherits h WHERE h.inhparent = c.oid) AS subs
           FROM pg_class c WHERE c.oid = $1::regclass`,
        [`activity.${name}`],
      )
    ).rows[0];

  beforeAll(async () => {
    db = await createTestDatabase('activity_migration_split');
    pool = testPool(db.url, 3);
    const previous = migrations.filter((m) => m !== EventsByInstitution1796400000000);
    expect(previous.length).toBe(migrations.length - 1);
    await migrate(db.url, previous);
    // A week as the previous head made it: one plain table, attached.
    await pool.query(
      `CREATE TABLE activity.${partitionName(week)} (LIKE activity.events INCLUDING DEFAULTS INCLUDING CONSTRAINTS)`,
    );
    await pool.query(
      `ALTER TABLE activity.events ATTACH PARTITION activity.${partitionName(week)}
         FOR VALUES FROM ('${week.toISOString()}') TO ('${next.toISOString()}')`,
    );
    await writeEvents(pool, [event('fi-a', randomUUID(), inOld)]);
    expect(await migrate(db.url, migrations)).toEqual(['EventsByInstitution1796400000000']);
  });

  afterAll(async () => {
    await pool?.end();
    await db?.drop();
  });

  it('keeps the existing week as it is and splits the weeks made afterwards', async () => {
    expect(await kind(partitionName(week))).toEqual({ kind: 'r', subs: 0 });
    expect(await ensurePartitions(pool, week, new Date(next.getTime() + DAY))).toEqual([
      partitionName(next),
    ]);
    expect(await kind(partitionName(next))).toEqual({ kind: 'p', subs: 8 });
  });

  it('stores into and reads from both layouts through the parent', async () => {
    const fis = ['fi-a', 'fi-b', 'fi-c', 'fi-d', 'fi-e'];
    const stored = await writeEvents(pool, [
      event('fi-a', randomUUID(), inOld),
      ...fis.map((fi) => event(fi, randomUUID(), inNew)),
    ]);
    expect(stored.accepted).toBe(6);
    const where = await pool.query<{ fi: string; part: string }>(
      `SELECT institution_id AS fi, tableoid::regclass::text AS part
         FROM activity.events ORDER BY occurred_at, institution_id, seq`,
    );
    const hashed = await pool.query<{ fi: string; part: string }>(
      `SELECT fi, format('activity.%s_h%s', $2::text, r) AS part
         FROM unnest($1::text[]) AS fi,
              LATERAL (SELECT r FROM generate_series(0, 7) AS r
                        WHERE satisfies_hash_partition(('activity.' || $2::text)::regclass::oid, 8, r, fi)) AS h`,
      [fis, partitionName(next)],
    );
    expect(where.rows).toEqual([
      { fi: 'fi-a', part: `activity.${partitionName(week)}` },
      { fi: 'fi-a', part: `activity.${partitionName(week)}` },
      ...hashed.rows,
    ]);
    const q = parseSearchRequest(
      { startTime: week.toISOString(), endTime: new Date(inNew.getTime() + 1).toISOString() },
      { institutionId: 'fi-a', now: inNew.getTime() + 1, maxLookbackDays: 93, mode: 'search' },
    );
    const page = await pool.query<{ rows: number }>(compileSearchPage(q, null));
    expect(page.rows[0]!.rows).toBe(3);
  });

  it('drops weeks of both layouts past retention', async () => {
    expect(
      await dropPartitionsBefore(pool, new Date(next.getTime() + PARTITION_DAYS * DAY)),
    ).toEqual([partitionName(week), partitionName(next)]);
    const left = await pool.query(
      `SELECT count(*)::int AS n FROM pg_class
        WHERE relnamespace = 'activity'::regnamespace AND relname LIKE 'events\\_p%'`,
    );
    expect(left.rows[0].n).toBe(0);
  });

  it('goes down to the previous code’s own weeks and up again', async () => {
    const ds = await new DataSource(dataSourceOptions(db.url, activityDatabase, 2)).initialize();
    const fn = async () =>
      (
        await pool.query(
          `SELECT to_regprocedure('activity.create_events_partition(text, timestamptz, timestamptz)') IS NOT NULL AS ok`,
        )
      ).rows[0].ok as boolean;
    try {
      await ds.undoLastMigration({ transaction: 'each' });
      expect(await fn()).toBe(false);
    } finally {
      await ds.destroy();
    }
    expect(await migrate(db.url, migrations)).toEqual(['EventsByInstitution1796400000000']);
    expect(await fn()).toBe(true);
  });
});

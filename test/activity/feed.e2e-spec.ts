import type { PoolClient } from 'pg';
import { generateEvents, ingest, type WireEvent } from '../support/activity-fixtures';
import {
  ACTIVITIES,
  FI_READ_SCOPES,
  startActivityPlatform,
  type ActivityPlatform,
} from '../support/activity-platform';

const FEED = `${ACTIVITIES}/feed`;
const HOUR = 3_600_000;

interface FeedAnswer {
  cursor: string;
  hasMore: boolean;
  count: number;
  bankingActivities: { guid: string; eventId: string; timeStamp: string }[];
}

describe('Banking Activity feed (e2e)', () => {
  let p: ActivityPlatform;
  let internal: string;
  let readA: string;
  let readB: string;
  const now = Date.now();

  beforeAll(async () => {
    p = await startActivityPlatform('activity_feed');
    internal = await p.internalToken();
    readA = await p.token('fi-a', FI_READ_SCOPES);
    readB = await p.token('fi-b', FI_READ_SCOPES);
  });

  afterAll(async () => {
    await p?.close();
  });

  /** Reads the feed from `cursor` until hasMore is false; every event, in order. */
  async function drain(
    token: string,
    cursor: string | undefined,
    limit: number,
    extra: Record<string, unknown> = {},
  ) {
    const seen: FeedAnswer['bankingActivities'] = [];
    let current = cursor;
    for (;;) {
      const res = await p.post<FeedAnswer>(FEED, token, {
        ...(current ? { cursor: current } : {}),
        limit,
        ...extra,
      });
      expect(res.status).toBe(200);
      expect(res.body.count).toBe(res.body.bankingActivities.length);
      seen.push(...res.body.bankingActivities);
      current = res.body.cursor;
      if (!res.body.hasMore) return { seen, cursor: current };
    }
  }

  it('delivers every event once, batch by batch, from the earliest or only new ones from the latest', async () => {
    const start = await p.post<FeedAnswer>(FEED, readA, { from: 'latest' });
    expect(start.body).toMatchObject({ count: 0, hasMore: false });
    const batches = [0, 1, 2].map((k) =>
      generateEvents('fi-a', 7 + k, now - 2 * HOUR, now - HOUR, 10 + k),
    );
    for (const b of batches) await ingest(p, internal, b);
    const fromLatest = await drain(readA, start.body.cursor, 4);
    expect(fromLatest.seen.map((e) => e.guid)).toEqual(batches.flat().map((e) => e.guid));
    const fromEarliest = await drain(readA, undefined, 1000);
    expect(fromEarliest.seen.map((e) => e.guid)).toEqual(fromLatest.seen.map((e) => e.guid));
    // Caught up: nothing more, and the cursor stays put.
    const again = await p.post<FeedAnswer>(FEED, readA, { cursor: fromLatest.cursor });
    expect(again.body).toMatchObject({ count: 0, hasMore: false, cursor: fromLatest.cursor });
  });

  it('keeps feed order numeric past position 9 (the read once ordered positions as text: 10 before 9)', async () => {
    const fi = 'fi-digits';
    const read = await p.token(fi, FI_READ_SCOPES);
    const batches = Array.from({ length: 12 }, (_, k) =>
      generateEvents(fi, 1, now - 2 * HOUR, now - HOUR, 900 + k),
    );
    for (const b of batches) await ingest(p, internal, b);
    const written = batches.flat().map((e) => e.guid);
    // One read holding every batch, then pages cut inside the batch list: each event once, in order.
    for (const limit of [1000, 5]) {
      const all = await drain(read, undefined, limit);
      expect(all.seen.map((e) => e.guid)).toEqual(written);
      // The cursor is past the last batch: nothing is read a second time.
      const again = await p.post<FeedAnswer>(FEED, read, { cursor: all.cursor });
      expect(again.body).toMatchObject({ count: 0, hasMore: false });
    }
  });

  it('filters by event type without losing its place', async () => {
    const start = (await p.post<FeedAnswer>(FEED, readA, { from: 'latest' })).body.cursor;
    const events = generateEvents('fi-a', 60, now - 2 * HOUR, now - HOUR, 20);
    await ingest(p, internal, events, 10);
    const { seen } = await drain(readA, start, 3, { eventIds: ['loginSuccess', 'logout'] });
    expect(seen.map((e) => e.guid)).toEqual(
      events.filter((e) => ['loginSuccess', 'logout'].includes(e.eventId)).map((e) => e.guid),
    );
  });

  it("keeps FIs apart: no other FI's events, no other FI's cursor", async () => {
    const a = (await p.post<FeedAnswer>(FEED, readA, { from: 'latest' })).body.cursor;
    const b = (await p.post<FeedAnswer>(FEED, readB, { from: 'latest' })).body.cursor;
    const mixed = [
      ...generateEvents('fi-a', 5, now - HOUR, now, 30),
      ...generateEvents('fi-b', 4, now - HOUR, now, 31),
    ];
    await ingest(p, internal, mixed);
    expect((await drain(readA, a, 100)).seen.map((e) => e.guid)).toEqual(
      mixed.slice(0, 5).map((e) => e.guid),
    );
    expect((await drain(readB, b, 100)).seen.map((e) => e.guid)).toEqual(
      mixed.slice(5).map((e) => e.guid),
    );
    const stolen = await p.post<Record<string, unknown>>(FEED, readB, { cursor: a });
    expect(stolen.status).toBe(400);
    expect(stolen.body.code).toBe('BAS_10005');
  });

  it.each([
    [{ cursor: 'garbage' }],
    [{ limit: 0 }],
    [{ limit: 1001 }],
    [{ from: 'yesterday' }],
    [{ eventIds: ['nope'] }],
    [{ offset: 10 }],
  ])('refuses %j (BAS_10005)', async (body) => {
    const res = await p.post<Record<string, unknown>>(FEED, readA, body);
    expect(res.status).toBe(400);
    expect(res.body.code).toBe('BAS_10005');
  });

  /** Waits until some backend is blocked on a lock (the writer held up by `blocker`). */
  async function waitForLockWait(): Promise<void> {
    for (;;) {
      const r = await p.sql.query(
        `SELECT count(*)::int AS n FROM pg_stat_activity WHERE wait_event_type = 'Lock' AND datname = current_database()`,
      );
      if (r.rows[0].n > 0) return;
      await new Promise((resolve) => setTimeout(resolve, 10));
    }
  }

  it('delivers a batch that committed after a later one, in commit order, exactly once', async () => {
    const cursor = (await p.post<FeedAnswer>(FEED, readA, { from: 'latest' })).body.cursor;
    const early = generateEvents('fi-a', 5, now - HOUR, now, 40);
    const late = generateEvents('fi-a', 5, now - HOUR, now, 41);

    // A blocker holds one of the early batch's guids, uncommitted: the early batch takes its
    // batch id (its seq) and then waits on that guid, while the later batch commits.
    const blocker: PoolClient = await p.sql.connect();
    await blocker.query('BEGIN');
    await blocker.query(
      `INSERT INTO activity.event_guids (institution_id, guid, occurred_at) VALUES ('fi-a', $1, now())`,
      [early[0]!.guid],
    );
    const earlyIngest = ingest(p, internal, early);
    await waitForLockWait();
    await ingest(p, internal, late);

    const first = await drain(readA, cursor, 100);
    expect(first.seen.map((e) => e.guid)).toEqual(late.map((e) => e.guid));

    await blocker.query('ROLLBACK');
    blocker.release();
    await earlyIngest;
    const second = await drain(readA, first.cursor, 100);
    expect(second.seen.map((e) => e.guid)).toEqual(early.map((e) => e.guid));

    // The early batch really started first: a consumer following seq would have skipped it.
    const seq = await p.sql.query(
      `SELECT guid::text, seq FROM activity.events WHERE guid::text = ANY($1)`,
      [[early[1]!.guid, late[0]!.guid]],
    );
    const bySeq = Object.fromEntries(
      seq.rows.map((r: { guid: string; seq: string }) => [r.guid, BigInt(r.seq)]),
    );
    expect(bySeq[early[1]!.guid]! < bySeq[late[0]!.guid]!).toBe(true);
  });

  it('gives a consumer following concurrent writers, some committing late, every event exactly once', async () => {
    let cursor = (await p.post<FeedAnswer>(FEED, readA, { from: 'latest' })).body.cursor;
    const written: WireEvent[] = [];
    const seen: string[] = [];
    let writing = true;

    const writer = async (w: number) => {
      for (let k = 0; k < 6; k++) {
        const batch = generateEvents(
          'fi-a',
          3 + ((w + k) % 4),
          now - HOUR,
          now,
          1000 + w * 100 + k,
        );
        if ((w + k) % 3 === 0) {
          // Hold this batch up for a while after it has taken its batch id.
          const blocker = await p.sql.connect();
          await blocker.query('BEGIN');
          await blocker.query(
            `INSERT INTO activity.event_guids (institution_id, guid, occurred_at) VALUES ('fi-a', $1, now())`,
            [batch[0]!.guid],
          );
          const pending = ingest(p, internal, batch);
          await new Promise((r) => setTimeout(r, 20 + ((w * 7 + k * 13) % 60)));
          await blocker.query('ROLLBACK');
          blocker.release();
          await pending;
        } else {
          await ingest(p, internal, batch);
        }
        written.push(...batch);
      }
    };
    const consumer = async () => {
      let idleAfterWriters = 0;
      while (idleAfterWriters < 2) {
        const wasWriting = writing;
        const res = await p.post<FeedAnswer>(FEED, readA, { cursor, limit: 5 });
        seen.push(...res.body.bankingActivities.map((e) => e.guid));
        cursor = res.body.cursor;
        if (!res.body.hasMore && !wasWriting) idleAfterWriters++;
        if (!res.body.hasMore) await new Promise((r) => setTimeout(r, 5));
      }
    };
    const consuming = consumer();
    await Promise.all([0, 1, 2, 3, 4].map(writer));
    writing = false;
    await consuming;

    expect(new Set(seen).size).toBe(seen.length);
    expect(new Set(seen)).toEqual(new Set(written.map((e) => e.guid)));
    // Some batches did commit out of seq order, and the feed follows commit order.
    const rows = await p.sql.query(
      `SELECT f.position, min(e.seq) AS seq FROM activity.feed_log f JOIN activity.events e
         ON e.seq >= f.batch_id * 8192 AND e.seq < (f.batch_id + 1) * 8192 AND e.institution_id = f.institution_id
        WHERE e.guid::text = ANY($1) GROUP BY f.position ORDER BY f.position`,
      [written.map((e) => e.guid)],
    );
    const seqs = rows.rows.map((r: { seq: string }) => BigInt(r.seq));
    expect(seqs.some((s, i) => i > 0 && s < seqs[i - 1]!)).toBe(true);
  });

  it("commits one FI's batch while another FI's append is still uncommitted", async () => {
    const a = (await p.post<FeedAnswer>(FEED, readA, { from: 'latest' })).body.cursor;
    const b = (await p.post<FeedAnswer>(FEED, readB, { from: 'latest' })).body.cursor;
    // An FI-A ingest that has taken its feed position and not yet committed.
    const holder: PoolClient = await p.sql.connect();
    await holder.query('BEGIN');
    await holder.query(`SELECT activity.append_to_feed(0, 'fi-a', now(), now(), 0)`);
    // FI B does not wait for it (under one lock for every FI this ingest would never return).
    const fromB = generateEvents('fi-b', 4, now - HOUR, now, 50);
    await ingest(p, internal, fromB);
    expect((await drain(readB, b, 100)).seen.map((e) => e.guid)).toEqual(fromB.map((e) => e.guid));
    // FI A's next batch does wait: its position comes after the uncommitted one.
    const fromA = generateEvents('fi-a', 3, now - HOUR, now, 51);
    const pendingA = ingest(p, internal, fromA);
    await waitForLockWait();
    await holder.query('ROLLBACK');
    holder.release();
    await pendingA;
    expect((await drain(readA, a, 100)).seen.map((e) => e.guid)).toEqual(fromA.map((e) => e.guid));
  });

  it('gives each FI every one of its events once when two FIs ingest at once, batches interleaved and some late', async () => {
    const fis = [
      { fi: 'fi-a', token: readA },
      { fi: 'fi-b', token: readB },
    ];
    const cursors = await Promise.all(
      fis.map(
        async (f) => (await p.post<FeedAnswer>(FEED, f.token, { from: 'latest' })).body.cursor,
      ),
    );
    const written: Record<string, string[]> = { 'fi-a': [], 'fi-b': [] };
    const seen: Record<string, string[]> = { 'fi-a': [], 'fi-b': [] };
    let writing = true;

    // Writers of both FIs at once; every third batch is held after taking its batch id, and
    // every fourth holds events of both FIs (the platform token), so the FIs' feed appends
    // interleave within one transaction too.
    const writer = async (w: number) => {
      for (let k = 0; k < 5; k++) {
        const own = fis[w % 2]!.fi;
        const other = fis[(w + 1) % 2]!.fi;
        const seed = 2000 + w * 100 + k;
        const batch = [
          ...generateEvents(own, 2 + ((w + k) % 3), now - HOUR, now, seed),
          ...((w + k) % 4 === 0 ? generateEvents(other, 2, now - HOUR, now, seed + 50) : []),
        ];
        if ((w + k) % 3 === 0) {
          const blocker = await p.sql.connect();
          await blocker.query('BEGIN');
          await blocker.query(
            `INSERT INTO activity.event_guids (institution_id, guid, occurred_at) VALUES ($1, $2, now())`,
            [batch[0]!.institutionId, batch[0]!.guid],
          );
          const pending = ingest(p, internal, batch);
          await new Promise((r) => setTimeout(r, 15 + ((w * 7 + k * 13) % 50)));
          await blocker.query('ROLLBACK');
          blocker.release();
          await pending;
        } else {
          await ingest(p, internal, batch);
        }
        for (const e of batch) written[e.institutionId]!.push(e.guid);
      }
    };
    const consumer = async (i: number) => {
      const { fi, token } = fis[i]!;
      let cursor = cursors[i]!;
      let idleAfterWriters = 0;
      while (idleAfterWriters < 2) {
        const wasWriting = writing;
        const res = await p.post<FeedAnswer>(FEED, token, { cursor, limit: 4 });
        seen[fi]!.push(...res.body.bankingActivities.map((e) => e.guid));
        cursor = res.body.cursor;
        if (!res.body.hasMore && !wasWriting) idleAfterWriters++;
        if (!res.body.hasMore) await new Promise((r) => setTimeout(r, 5));
      }
    };
    const consuming = Promise.all([consumer(0), consumer(1)]);
    await Promise.all([0, 1, 2, 3, 4, 5].map(writer));
    writing = false;
    await consuming;

    for (const { fi } of fis) {
      expect(written[fi]!.length).toBeGreaterThan(0);
      expect(new Set(seen[fi]).size).toBe(seen[fi]!.length);
      expect(new Set(seen[fi])).toEqual(new Set(written[fi]));
    }
    // Each FI's positions are its own: dense from one batch to the next, whatever the other FI did.
    const positions = await p.sql.query(
      `SELECT institution_id, array_agg(position ORDER BY position)::text[] AS ps
         FROM activity.feed_log WHERE institution_id = ANY($1) GROUP BY institution_id`,
      [['fi-a', 'fi-b']],
    );
    for (const r of positions.rows as { ps: string[] }[]) {
      const ps = r.ps.map(BigInt);
      expect(ps.every((x, i) => i === 0 || x === ps[i - 1]! + 1n)).toBe(true);
    }
  });

  it('needs both read scopes', async () => {
    const readOnly = await p.token('fi-a', 'banking-activities:read');
    expect((await p.post(FEED, readOnly, {})).status).toBe(403);
    expect((await p.post(FEED, null, {})).status).toBe(401);
  });

  it('takes a feed request without a body', async () => {
    const res = await p.post<FeedAnswer>(FEED, readA, undefined);
    expect(res.status).toBe(200);
    expect(typeof res.body.cursor).toBe('string');
  });
});

/**
 * `npm run bench:delivery-files -- [--events 1000000] [--format ndjson|csv] [--keep]`
 *
 * Builds one hourly delivery file of `--events` events the way the dispatcher does
 * (FileDeliveryService.build: the feed's position range through the subscription's filter, a
 * server-side cursor, NDJSON or CSV lines, gzip, SHA-256, 1 MiB chunks written to
 * delivery_file_chunks, the signed manifest) on real PostgreSQL (DATABASE_URL, else a
 * throwaway embedded cluster), and reports events per second and this process's memory,
 * sampled every 50 ms during the build: memory must stay flat whatever the file's size.
 * The events are generated with SQL as 200 committed batches of 5,000 (feed_log rows) inside
 * the hour. A warm-up build of a tenth of the size runs first. Results print as Markdown and go
 * to bench/results/ as JSON.
 */
import { randomUUID } from 'node:crypto';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, loadavg, tmpdir, totalmem } from 'node:os';
import { join, resolve } from 'node:path';
import { performance } from 'node:perf_hooks';
import { Client, Pool } from 'pg';
import type { DataSource } from 'typeorm';
import { TokenSigner } from '../apps/activity-service/src/common/token-signer';
import { ActivityEnv } from '../apps/activity-service/src/config/activity.env';
import type { Subscription } from '../apps/activity-service/src/delivery/delivery.ports';
import { FileDeliveryService } from '../apps/activity-service/src/delivery/files/file-delivery.service';
import { DeliveryFilesRepository } from '../apps/activity-service/src/delivery/files/files.repository';
import { compileRange } from '../apps/activity-service/src/delivery/files/files.sql';
import { ManifestSigner } from '../apps/activity-service/src/delivery/files/manifest-signer.service';
import { SftpClient } from '../apps/activity-service/src/delivery/files/sftp.client';
import { SigningKeysRepository } from '../apps/activity-service/src/delivery/files/signing-keys.repository';
import { ActivityDatabase } from '../apps/activity-service/src/storage/activity-database';
import { SEQ_PER_BATCH } from '../apps/activity-service/src/storage/schema';
import {
  freePort,
  startEmbeddedPostgres,
  type EmbeddedDatabase,
} from '../scripts/embedded-postgres';
import { prepareActivitySchema } from '../scripts/seed-activity';

const ROOT = resolve(__dirname, '../..');
const HOUR = 3_600_000;
const DAY = 86_400_000;
const BATCH = 5000;
const FI = 'bench-files-fi';

function options() {
  const args = process.argv.slice(2);
  const flag = (name: string) => {
    const i = args.indexOf(`--${name}`);
    return i >= 0 ? args[i + 1] : undefined;
  };
  return {
    events: Number(flag('events') ?? 1_000_000),
    format: (flag('format') ?? 'ndjson') as 'ndjson' | 'csv',
    keep: args.includes('--keep'),
  };
}

/** `events` events of one FI in batches of 5,000, each batch a feed_log row sequenced in `hour`. */
async function generate(pool: Pool, events: number, hour: Date, firstBatch: number): Promise<void> {
  const batches = Math.ceil(events / BATCH);
  const step = Math.floor(HOUR / (batches + 1));
  for (let b = 0; b < batches; b++) {
    const batchId = firstBatch + b;
    const n = Math.min(BATCH, events - b * BATCH);
    const at = new Date(hour.getTime() + (b + 1) * step);
    // Events of the last day; attributes as the catalogue's types carry them.
    await pool.query(
      `INSERT INTO activity.events (seq, guid, institution_id, event_id, occurred_at, user_type, login_id,
         customer_id, company_id, account_type, channel, ip_address, attributes)
       SELECT $1::bigint * ${SEQ_PER_BATCH} + i, gen_random_uuid(), $2,
              (ARRAY['loginSuccess','loginFailure','logout','transferCreated','statementViewed'])[1 + i % 5],
              date_trunc('milliseconds', $3::timestamptz - (i * 997 % 86400000) * interval '1 millisecond'),
              CASE WHEN i % 7 = 0 THEN 'business' ELSE 'retail' END,
              'user' || (i * 7919 % 50000), 'c-' || (i * 7919 % 50000),
              CASE WHEN i % 7 = 0 THEN 'co' || (i % 300) END,
              CASE WHEN i % 3 = 0 THEN 'checking' END, CASE WHEN i % 2 = 0 THEN 'mobile' ELSE 'online' END,
              '203.0.113.' || (1 + i % 200),
              CASE i % 5
                WHEN 0 THEN '{"clientId":"mobile-app"}'::jsonb
                WHEN 1 THEN jsonb_build_object('clientId', 'web-app', 'failedLoginCount', 1 + i % 4, 'reason', 'badPassword')
                WHEN 2 THEN jsonb_build_object('sessionDurationSeconds', i % 600)
                WHEN 3 THEN jsonb_build_object('transferId', 'T-' || i, 'amount', (i % 5000) + 0.5, 'currency', 'USD', 'transferType', 'internal')
                ELSE jsonb_build_object('statementId', 'S-' || (i % 100), 'statementPeriod', '2026-10')
              END
         FROM generate_series(0, $4::int - 1) AS i`,
      [batchId, FI, new Date(hour.getTime() - HOUR).toISOString(), n],
    );
    await pool.query(
      `INSERT INTO activity.feed_log (position, batch_id, institution_id, min_at, max_at, event_count, sequenced_at)
       SELECT nextval('activity.feed_position_seq'), $1, $2, min(occurred_at), max(occurred_at), count(*), $3
         FROM activity.events WHERE seq >= $1::bigint * ${SEQ_PER_BATCH} AND seq < ($1::bigint + 1) * ${SEQ_PER_BATCH}`,
      [batchId, FI, at.toISOString()],
    );
  }
}

interface Result {
  events: number;
  format: string;
  seconds: number;
  eventsPerSecond: number;
  bytes: number;
  chunks: number;
  rssBeforeMb: number;
  rssPeakMb: number;
  heapBeforeMb: number;
  heapPeakMb: number;
}

async function measure(
  files: FileDeliveryService,
  pool: Pool,
  sub: Subscription,
  hour: Date,
): Promise<Result> {
  global.gc?.();
  const mb = (b: number) => b / 2 ** 20;
  const before = process.memoryUsage();
  let rssPeak = before.rss;
  let heapPeak = before.heapUsed;
  const sampler = setInterval(() => {
    const m = process.memoryUsage();
    rssPeak = Math.max(rssPeak, m.rss);
    heapPeak = Math.max(heapPeak, m.heapUsed);
  }, 50);
  const started = performance.now();
  const ref = await files.build(
    sub,
    { start: hour, end: new Date(hour.getTime() + HOUR) },
    {
      replay: false,
      sequence: 1,
      previousSequence: null,
    },
  );
  const seconds = (performance.now() - started) / 1000;
  clearInterval(sampler);
  const chunks = Number(
    (
      await pool.query(
        `SELECT count(*) AS n FROM activity.delivery_file_chunks WHERE file_id = $1`,
        [ref.fileId],
      )
    ).rows[0].n,
  );
  return {
    events: ref.count,
    format: sub.format,
    seconds,
    eventsPerSecond: ref.count / seconds,
    bytes: ref.bytes,
    chunks,
    rssBeforeMb: mb(before.rss),
    rssPeakMb: mb(rssPeak),
    heapBeforeMb: mb(before.heapUsed),
    heapPeakMb: mb(heapPeak),
  };
}

async function main(): Promise<void> {
  const o = options();
  const machine = `${cpus().length} x ${cpus()[0]?.model ?? 'cpu'}, ${Math.round(totalmem() / 2 ** 30)} GiB, Node ${process.version}`;
  const loadBefore = loadavg()
    .map((l) => l.toFixed(2))
    .join(' ');
  console.log(
    `delivery files benchmark: ${o.events.toLocaleString()} events, ${o.format}; ${machine}; load ${loadBefore}`,
  );

  let embedded: EmbeddedDatabase | undefined;
  let baseUrl = process.env.DATABASE_URL;
  const dataDir = mkdtempSync(join(tmpdir(), 'delivery-files-bench-'));
  if (!baseUrl) {
    embedded = await startEmbeddedPostgres({
      dir: dataDir,
      port: await freePort(),
      persistent: false,
    });
    baseUrl = embedded.url;
  }
  const dbUrl = new URL(baseUrl);
  dbUrl.pathname = '/delivery_files_bench';
  try {
    const admin = new Client({ connectionString: baseUrl });
    await admin.connect();
    await admin.query('DROP DATABASE IF EXISTS delivery_files_bench WITH (FORCE)');
    await admin.query('CREATE DATABASE delivery_files_bench');
    await admin.end();
    const now = Date.now();
    await prepareActivitySchema(dbUrl.toString(), new Date(now - 3 * DAY), new Date(now + DAY));

    const pool = new Pool({ connectionString: dbUrl.toString(), max: 2 });
    const hour = new Date(Math.floor(now / HOUR) * HOUR - 2 * HOUR);
    const warmHour = new Date(hour.getTime() - HOUR);
    console.log('generating data with SQL...');
    let t = performance.now();
    await generate(pool, Math.ceil(o.events / 10), warmHour, 1);
    await generate(pool, o.events, hour, 1 + Math.ceil(o.events / 10 / BATCH));
    await pool.query('VACUUM ANALYZE activity.events');
    await pool.query('VACUUM ANALYZE activity.feed_log');
    console.log(`  ${((performance.now() - t) / 1000).toFixed(1)} s`);

    const env = Object.assign(new ActivityEnv(), {
      NODE_ENV: 'production',
      DATABASE_URL: dbUrl.toString(),
      DATABASE_POOL_SIZE: 4,
      ACTIVITY_PAGE_TOKEN_KEY: 'bench-page-token-key-0123456789abcdef',
      ACTIVITY_DELIVERY_KEY_ENCRYPTION_KEY: 'a'.repeat(64),
    });
    const db = new ActivityDatabase(env);
    const files = new FileDeliveryService(
      new DeliveryFilesRepository(db, {} as DataSource),
      new ManifestSigner(new SigningKeysRepository(db), env),
      new SftpClient(env),
      new TokenSigner(env),
      env,
    );
    const sub: Subscription = {
      id: randomUUID(),
      institutionId: FI,
      name: 'bench',
      cadence: 'hourly',
      timeZone: 'UTC',
      filter: {
        eventIds: [],
        userType: null,
        userIdType: 'loginId',
        userIds: [],
        companyIds: [],
        additionalFilters: null,
      },
      requestedAttributes: null,
      format: o.format,
      destination: { type: 'pull' },
      status: 'active',
      createdAt: warmHour,
    };
    await pool.query(
      `INSERT INTO activity.delivery_subscriptions (id, institution_id, name, cadence, filter, format, destination, cursor_position)
       VALUES ($1, $2, 'bench', 'hourly', '{}', $3, '{"type":"pull"}', 0)`,
      [sub.id, FI, o.format],
    );

    // The database's share: the same statement's rows read through the same cursor, no text.
    const repo = new DeliveryFilesRepository(db, {} as DataSource);
    const positions = (
      await pool.query<{ lo: string; hi: string }>(
        `SELECT min(position) - 1 AS lo, max(position) AS hi FROM activity.feed_log WHERE sequenced_at >= $1 AND sequenced_at < $2`,
        [hour.toISOString(), new Date(hour.getTime() + HOUR).toISOString()],
      )
    ).rows[0]!;
    t = performance.now();
    const cursor = await repo.openRange(
      compileRange({
        institutionId: FI,
        fromPosition: positions.lo,
        toPosition: positions.hi,
        filter: sub.filter,
        requestedAttributes: null,
        format: o.format,
      }),
    );
    let sqlRows = 0;
    for await (const _row of cursor.rows) sqlRows++;
    cursor.close();
    const sqlSeconds = (performance.now() - t) / 1000;
    console.log(
      `cursor alone: ${sqlRows.toLocaleString()} rows in ${sqlSeconds.toFixed(2)} s (${Math.round(sqlRows / sqlSeconds).toLocaleString()}/s)`,
    );

    const warm = await measure(files, pool, sub, warmHour);
    console.log(`warm-up: ${warm.events.toLocaleString()} events in ${warm.seconds.toFixed(2)} s`);
    const result = await measure(files, pool, sub, hour);
    const loadAfter = loadavg()
      .map((l) => l.toFixed(2))
      .join(' ');
    await db.onApplicationShutdown();
    await pool.end();

    const row = (r: Result) =>
      `| ${r.events.toLocaleString()} | ${r.format} + gzip | ${r.seconds.toFixed(2)} | **${Math.round(r.eventsPerSecond).toLocaleString()}** | ${(r.bytes / 2 ** 20).toFixed(1)} MiB in ${r.chunks} chunks | ${r.rssBeforeMb.toFixed(0)} → ${r.rssPeakMb.toFixed(0)} MB | ${r.heapBeforeMb.toFixed(0)} → ${r.heapPeakMb.toFixed(0)} MB |`;
    console.log(`\n${machine}; load ${loadBefore} before, ${loadAfter} after\n`);
    console.log(
      '| events | file | seconds | events/s | size | RSS (before → peak) | heap (before → peak) |',
    );
    console.log('| --- | --- | --- | --- | --- | --- | --- |');
    console.log(row(warm));
    console.log(row(result));
    const out = join(ROOT, 'bench', 'results');
    mkdirSync(out, { recursive: true });
    writeFileSync(
      join(out, `delivery-files-${Date.now()}.json`),
      JSON.stringify(
        {
          machine,
          loadBefore,
          loadAfter,
          cursorOnly: { rows: sqlRows, seconds: sqlSeconds },
          warm,
          result,
        },
        null,
        2,
      ),
    );
  } finally {
    await embedded?.stop();
    if (!o.keep) rmSync(dataDir, { recursive: true, force: true });
  }
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});

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
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { cpus, loadavg, totalmem } from 'node:os';
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
import { benchClusterDir, median, removeClusterDir } from './support';
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
    /** The smaller window, to show memory flat as the window grows. */
    small: Number(flag('small') ?? 250_000),
    rounds: Number(flag('rounds') ?? 3),
    format: (flag('format') ?? 'ndjson') as 'ndjson' | 'csv',
    keep: args.includes('--keep'),
    /** With DATABASE_URL: use the data a previous run left (same sizes), skip generating it. */
    reuse: args.includes('--reuse'),
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
  window: string;
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
  /** CPU of this process (rows to text, gzip, SHA-256, inserts) per 1,000 events. */
  nodeCpuMsPerK: number;
  /** CPU of the PostgreSQL backends of the service's pools per 1,000 events (Linux, local). */
  pgCpuMsPerK: number | null;
}

/** CPU time (ms) of local processes from /proc; null where it cannot be read. */
function cpuMs(pids: number[]): number | null {
  try {
    let ticks = 0;
    for (const pid of pids) {
      const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ');
      ticks += Number(fields[11]) + Number(fields[12]);
    }
    return (ticks * 1000) / 100;
  } catch {
    return null;
  }
}

async function backendPids(pool: Pool): Promise<number[]> {
  const rows = await pool.query<{ pid: number }>(
    `SELECT pid FROM pg_stat_activity WHERE application_name LIKE 'activity-service%' AND datname = current_database()`,
  );
  return rows.rows.map((r) => r.pid);
}

async function measure(
  files: FileDeliveryService,
  pool: Pool,
  sub: Subscription,
  hour: Date,
  label: string,
): Promise<Result> {
  // Each round builds the window anew (a regular window's file is otherwise built once).
  await pool.query(`DELETE FROM activity.delivery_files WHERE subscription_id = $1`, [sub.id]);
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
  // The service pools' backends (those of the warm-up's connections, kept idle in the pools).
  const pids = await backendPids(pool);
  const pgBefore = cpuMs(pids);
  const cpuBefore = process.cpuUsage();
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
  const cpu = process.cpuUsage(cpuBefore);
  const pgAfter = cpuMs(pids);
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
    window: label,
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
    nodeCpuMsPerK: (cpu.user + cpu.system) / 1000 / (ref.count / 1000),
    pgCpuMsPerK:
      pgBefore !== null && pgAfter !== null && pids.length
        ? (pgAfter - pgBefore) / (ref.count / 1000)
        : null,
  };
}

const load = () =>
  loadavg()
    .map((l) => l.toFixed(2))
    .join(' ');

async function main(): Promise<void> {
  const o = options();
  const machine = `${cpus().length} x ${cpus()[0]?.model ?? 'cpu'}, ${Math.round(totalmem() / 2 ** 30)} GiB, Node ${process.version}`;
  const loadBefore = load();
  console.log(
    `delivery files benchmark: windows of ${o.small.toLocaleString()} and ${o.events.toLocaleString()} events, ${o.format}, ${o.rounds} rounds; ${machine}; load ${loadBefore}`,
  );

  let embedded: EmbeddedDatabase | undefined;
  let baseUrl = process.env.DATABASE_URL;
  const dataDir = benchClusterDir('delivery-files-bench-');
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
    const sizes = `${o.small}/${o.events}`;
    let reused = false;
    if (o.reuse && baseUrl === process.env.DATABASE_URL) {
      const found = await admin.query<{ description: string | null }>(
        `SELECT shobj_description(oid, 'pg_database') AS description FROM pg_database WHERE datname = 'delivery_files_bench'`,
      );
      reused = found.rows[0]?.description?.startsWith(`${sizes} `) ?? false;
    }
    // The hours the data was generated for, kept in the database's comment for --reuse.
    let hours: { warm: Date; small: Date; large: Date };
    if (reused) {
      const description = (
        await admin.query<{ d: string }>(
          `SELECT shobj_description(oid, 'pg_database') AS d FROM pg_database WHERE datname = 'delivery_files_bench'`,
        )
      ).rows[0]!.d;
      const [warm, small, large] = description
        .split(' ')[1]!
        .split(',')
        .map((t) => new Date(t));
      hours = { warm: warm!, small: small!, large: large! };
      console.log('reusing the generated data');
    } else {
      await admin.query('DROP DATABASE IF EXISTS delivery_files_bench WITH (FORCE)');
      await admin.query('CREATE DATABASE delivery_files_bench');
      const now = Date.now();
      await prepareActivitySchema(dbUrl.toString(), new Date(now - 3 * DAY), new Date(now + DAY));
      const large = new Date(Math.floor(now / HOUR) * HOUR - 2 * HOUR);
      hours = {
        warm: new Date(large.getTime() - 2 * HOUR),
        small: new Date(large.getTime() - HOUR),
        large,
      };
      const gen = new Pool({ connectionString: dbUrl.toString(), max: 1 });
      console.log('generating data with SQL...');
      const t = performance.now();
      let batch = 1;
      for (const [events, hour] of [
        [Math.ceil(o.small / 10), hours.warm],
        [o.small, hours.small],
        [o.events, hours.large],
      ] as const) {
        await generate(gen, events, hour, batch);
        batch += Math.ceil(events / BATCH);
      }
      await gen.query('VACUUM ANALYZE activity.events');
      await gen.query('VACUUM ANALYZE activity.feed_log');
      await gen.end();
      await admin.query(
        `COMMENT ON DATABASE delivery_files_bench IS '${sizes} ${[hours.warm, hours.small, hours.large].map((h) => h.toISOString()).join(',')}'`,
      );
      console.log(`  ${((performance.now() - t) / 1000).toFixed(1)} s`);
    }
    await admin.end();

    const pool = new Pool({ connectionString: dbUrl.toString(), max: 2 });
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
      createdAt: hours.warm,
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
        [hours.large.toISOString(), new Date(hours.large.getTime() + HOUR).toISOString()],
      )
    ).rows[0]!;
    const t = performance.now();
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

    const warm = await measure(files, pool, sub, hours.warm, 'warm-up');
    console.log(`warm-up: ${warm.events.toLocaleString()} events in ${warm.seconds.toFixed(2)} s`);
    const runs: Result[] = [];
    for (let r = 0; r < o.rounds; r++) {
      for (const [hour, label] of [
        [hours.small, 'small'],
        [hours.large, 'large'],
      ] as const) {
        const result = await measure(files, pool, sub, hour, label);
        runs.push(result);
        console.log(
          `  round ${r + 1} ${result.events.toLocaleString()} events: ${result.seconds.toFixed(2)} s = ${Math.round(result.eventsPerSecond).toLocaleString()}/s; heap ${result.heapBeforeMb.toFixed(0)} -> ${result.heapPeakMb.toFixed(0)} MB, RSS ${result.rssBeforeMb.toFixed(0)} -> ${result.rssPeakMb.toFixed(0)} MB; CPU per 1,000 events: node ${result.nodeCpuMsPerK.toFixed(1)} ms, PostgreSQL ${result.pgCpuMsPerK?.toFixed(1) ?? '?'} ms; load ${load()}`,
        );
      }
    }
    const loadAfter = load();
    await db.onApplicationShutdown();
    await pool.end();

    const med = (xs: number[]) => median(xs);
    const pgCpu = (rs: Result[]) => {
      const known = rs.flatMap((r) => (r.pgCpuMsPerK === null ? [] : [r.pgCpuMsPerK]));
      return known.length ? med(known) : null;
    };
    const summary = (['small', 'large'] as const).map((label) => {
      const rs = runs.filter((r) => r.window === label);
      return {
        window: label,
        events: rs[0]!.events,
        eventsPerSecond: med(rs.map((r) => r.eventsPerSecond)),
        rounds: rs.map((r) => Math.round(r.eventsPerSecond)),
        bytes: rs[0]!.bytes,
        chunks: rs[0]!.chunks,
        rssPeakMb: Math.max(...rs.map((r) => r.rssPeakMb)),
        heapPeakMb: Math.max(...rs.map((r) => r.heapPeakMb)),
        rssBeforeMb: med(rs.map((r) => r.rssBeforeMb)),
        heapBeforeMb: med(rs.map((r) => r.heapBeforeMb)),
        nodeCpuMsPerK: med(rs.map((r) => r.nodeCpuMsPerK)),
        pgCpuMsPerK: pgCpu(rs),
      };
    });
    console.log(`\n${machine}; load ${loadBefore} before, ${loadAfter} after\n`);
    console.log(
      '| events | file | events/s (median) | rounds | size | RSS before → peak | heap before → peak | CPU ms / 1,000 events (node, PostgreSQL) |',
    );
    console.log('| --- | --- | --- | --- | --- | --- | --- | --- |');
    for (const r of summary) {
      console.log(
        `| ${r.events.toLocaleString()} | ${o.format} + gzip | **${Math.round(r.eventsPerSecond).toLocaleString()}** | ${r.rounds.map((x) => x.toLocaleString()).join(' · ')} | ${(r.bytes / 2 ** 20).toFixed(1)} MiB in ${r.chunks} chunks | ${r.rssBeforeMb.toFixed(0)} → ${r.rssPeakMb.toFixed(0)} MB | ${r.heapBeforeMb.toFixed(0)} → ${r.heapPeakMb.toFixed(0)} MB | ${r.nodeCpuMsPerK.toFixed(1)}, ${r.pgCpuMsPerK?.toFixed(1) ?? '?'} |`,
      );
    }
    const [small, large] = summary;
    console.log(
      `\nmemory as the window grows ${(large!.events / small!.events).toFixed(1)}x: peak heap ${small!.heapPeakMb.toFixed(0)} → ${large!.heapPeakMb.toFixed(0)} MB, peak RSS ${small!.rssPeakMb.toFixed(0)} → ${large!.rssPeakMb.toFixed(0)} MB; target ≥ 100,000 events/s: ${large!.eventsPerSecond >= 100_000 ? 'met' : 'not met'} (${Math.round(large!.eventsPerSecond).toLocaleString()}/s)`,
    );
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
          runs,
          summary,
        },
        null,
        2,
      ),
    );
  } finally {
    await embedded?.stop();
    if (!o.keep) removeClusterDir(dataDir);
  }
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});

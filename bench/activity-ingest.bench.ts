/**
 * `npm run bench:ingest -- [--events 1000000] [--fis 5] [--batch 5000] [--mode per-fi|mixed]`
 * (BENCH_RUNS=3 by default)
 *
 * Several FIs ingesting at once, on the storage path of POST .../batch (writeEvents: column
 * arrays, the idempotency key, the events and their indexes, the feed append, commit), without
 * the HTTP hop and the token check (the service's share is ~12 % of a batch, docs/benchmarks/
 * activity.md). Each run starts from a freshly migrated database in a tuned, durable embedded
 * PostgreSQL (the settings of bench/activity.bench.ts) and stores `--events` events:
 *   - per-fi (default): one writer per FI, each posting batches of its own FI only (what 5 FIs'
 *     own ingest clients do);
 *   - mixed: `--fis` writers, every batch holding events of every FI (the platform's service
 *     token, as in bench:activity).
 * A first run, not counted, makes the cluster's WAL segment files. Measured per run: events/s;
 * PostgreSQL's CPU (all its processes, from /proc) and this process's, as a share of the wall
 * time and per event (µs: what the load of other work on the machine changes least); WAL
 * bytes per event (pg_current_wal_lsn before and after); and, sampled every 20 ms from
 * pg_stat_activity, how often a writer waits on a lock (the feed's append order) or on
 * WAL/commit. The median of the runs prints as Markdown;
 * everything goes to bench/results/ as JSON.
 *
 * `--baseline DIR`: before and after in one run. DIR is another built checkout (`npm run build`
 * there, e.g. a worktree of the commit before a change); its writeEvents and migrations run in
 * alternation with this checkout's, run by run (which goes first alternates too: ABBA...), each
 * on its own fresh database, so that the machine's changing load hits both alike. Use an even
 * BENCH_RUNS. The summary then has a row for each and their ratio.
 */
import { randomUUID } from 'node:crypto';
import { mkdirSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { cpus, loadavg } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { Client, type Pool } from 'pg';
import { resolve } from 'node:path';
import * as currentRepository from '../apps/activity-service/src/ingest/event.repository';
import type { StoredEvent } from '../apps/activity-service/src/ingest/event.repository';
import * as currentDatabase from '../apps/activity-service/src/storage/activity-database';
import * as currentSeed from '../scripts/seed-activity';
import {
  benchClusterDir,
  machine,
  median,
  removeClusterDir,
  startTunedPostgres,
  type TunedPostgres,
} from './support';

/** The code under test: this checkout's, or the --baseline checkout's build. */
interface Code {
  label: string;
  writeEvents: typeof currentRepository.writeEvents;
  createActivityPool: typeof currentDatabase.createActivityPool;
  prepareActivitySchema: typeof currentSeed.prepareActivitySchema;
}

const CURRENT: Code = {
  label: 'this checkout',
  writeEvents: currentRepository.writeEvents,
  createActivityPool: currentDatabase.createActivityPool,
  prepareActivitySchema: currentSeed.prepareActivitySchema,
};

/** The same modules from another checkout's dist/ (compiled with the same layout). */
async function baselineCode(dir: string): Promise<Code> {
  const dist = resolve(dir, 'dist');
  const repository = (await import(
    join(dist, 'apps/activity-service/src/ingest/event.repository.js')
  )) as typeof currentRepository;
  const database = (await import(
    join(dist, 'apps/activity-service/src/storage/activity-database.js')
  )) as typeof currentDatabase;
  const seed = (await import(join(dist, 'scripts/seed-activity.js'))) as typeof currentSeed;
  return {
    label: `baseline (${dir})`,
    writeEvents: repository.writeEvents,
    createActivityPool: database.createActivityPool,
    prepareActivitySchema: seed.prepareActivitySchema,
  };
}

const DAY_MS = 86_400_000;
const USERS_PER_FI = 10_000;

interface Options {
  events: number;
  fis: number;
  batch: number;
  mode: 'per-fi' | 'mixed';
  runs: number;
  baseline: string | null;
}

function options(): Options {
  const args = process.argv.slice(2);
  const flag = (name: string, fallback: string) => {
    const i = args.indexOf(`--${name}`);
    return i >= 0 ? args[i + 1]! : fallback;
  };
  const mode = flag('mode', 'per-fi');
  if (mode !== 'per-fi' && mode !== 'mixed') throw new Error('--mode per-fi|mixed');
  return {
    events: Number(flag('events', '1000000')),
    fis: Number(flag('fis', '5')),
    batch: Number(flag('batch', '5000')),
    mode,
    runs: Number(process.env.BENCH_RUNS ?? 3),
    baseline: args.includes('--baseline') ? flag('baseline', '') : null,
  };
}

const fiName = (i: number) => `bench-fi-${i + 1}`;

/**
 * One batch like bench:activity's (fresh guids, the last hour), of one FI or of all. Each event
 * also has the ISO `timeStamp` that a --baseline build from before `occurredAt` reads.
 */
function makeBatch(o: Options, fi: number | null, now: number): StoredEvent[] {
  return Array.from({ length: o.batch }, (_, i) => {
    const f = fi ?? i % o.fis;
    const u = (i * 104_729) % USERS_PER_FI;
    const transfer = i % 3 === 0;
    const at = now - (i % 3600) * 1000;
    return {
      guid: randomUUID(),
      eventId: transfer ? 'transferCreated' : 'loginSuccess',
      occurredAt: at,
      timeStamp: new Date(at).toISOString(),
      institutionId: fiName(f),
      userType: 'retail',
      loginId: `user${u}`,
      customerId: `00000000-0000-4000-8000-${u.toString(16).padStart(12, '0')}`,
      institutionCustomerId: null,
      accountType: null,
      channel: 'mobile',
      ipAddress: '198.51.100.7',
      attributes: transfer
        ? { transferId: `T${i}`, amount: 125.5, currency: 'USD', transferType: 'internal' }
        : { clientId: 'mobile-app' },
    };
  });
}

/** CPU ticks (user + system) of the postmaster in `dataDir` and all its children. */
function postgresTicks(dataDir: string): number {
  const postmaster = Number(readFileSync(join(dataDir, 'postmaster.pid'), 'utf8').split('\n')[0]);
  let ticks = 0;
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
      // Fields after the command name, which may hold spaces: state ppid ... utime(14) stime(15).
      const rest = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      const pid = Number(entry);
      if (pid === postmaster || Number(rest[1]) === postmaster) {
        ticks += Number(rest[11]) + Number(rest[12]);
      }
    } catch {
      // gone meanwhile
    }
  }
  return ticks;
}

const TICKS_PER_SECOND = 100;

interface RunResult {
  code: string;
  eventsPerSecond: number;
  /** PostgreSQL's CPU time (all its processes) per stored event. */
  postgresCpuMicrosPerEvent: number;
  /**
   * This process's CPU time per stored event: the Node side of writeEvents (batchColumns, the
   * driver), its GC, and the wait sampler.
   */
  clientCpuMicrosPerEvent: number;
  walBytesPerEvent: number;
  seconds: number;
  batches: number;
  /** CPU as a share of one core over the wall time (200 % = both cores of a 2-core machine). */
  postgresCpuPct: number;
  clientCpuPct: number;
  /** Share of samples of the writers' backends: waiting on a lock, on WAL/commit, running. */
  waits: { lock: number; wal: number; active: number; samples: number };
  /** Samples per wait event ("Lock:advisory", "Lock:transactionid", "LWLock:WALWrite"...), most first. */
  waitEvents: Record<string, number>;
  loadBefore: string;
  loadAfter: string;
}

async function run(
  o: Options,
  code: Code,
  baseUrl: string,
  dataDir: string,
  n: number,
): Promise<RunResult> {
  const admin = new Client({ connectionString: baseUrl });
  await admin.connect();
  await admin.query('DROP DATABASE IF EXISTS activity_ingest_bench WITH (FORCE)');
  await admin.query('CREATE DATABASE activity_ingest_bench');
  await admin.end();
  const url = new URL(baseUrl);
  url.pathname = '/activity_ingest_bench';
  const now = Date.now();
  await code.prepareActivitySchema(
    url.toString(),
    new Date(now - 2 * DAY_MS),
    new Date(now + DAY_MS),
  );
  const pool: Pool = code.createActivityPool({
    url: url.toString(),
    max: o.fis + 1,
    statementTimeoutMs: 0,
    applicationName: 'bench-ingest',
  });
  // The cluster stops at the end; an idle connection it closes is no failure of the run.
  pool.on('error', () => undefined);
  const monitor = new Client({ connectionString: url.toString() });
  await monitor.connect();
  // Warm the pool and the plans (not measured, not stored: a batch of a FI that is not benched).
  await Promise.all(
    Array.from({ length: o.fis }, () =>
      code.writeEvents(pool, makeBatch({ ...o, batch: 10 }, o.fis, now)),
    ),
  );

  const perWriter = Math.ceil(o.events / o.batch / o.fis);
  // Batches are made before the clock starts, and then the heap is collected (with --expose-gc,
  // as `npm run bench:ingest` runs it): they are ~0.8 GB of long-lived objects, and their marking
  // (a full GC on a helper thread, seconds of CPU) otherwise fell into a measured run, beside
  // PostgreSQL, at random. The service holds no such data; its scavenges stay in the run.
  const batches = Array.from({ length: o.fis }, (_, w) =>
    Array.from({ length: perWriter }, () => makeBatch(o, o.mode === 'per-fi' ? w : null, now)),
  );
  global.gc?.();
  const waits = { lock: 0, wal: 0, active: 0, samples: 0 };
  const waitEvents = new Map<string, number>();
  let sampling = true;
  const sampler = (async () => {
    while (sampling) {
      const r = await monitor.query<{ t: string | null; e: string | null }>(
        `SELECT wait_event_type AS t, wait_event AS e FROM pg_stat_activity
          WHERE application_name = 'bench-ingest' AND state = 'active'`,
      );
      for (const row of r.rows) {
        waits.samples++;
        const name = row.t ? `${row.t}:${row.e}` : 'running';
        waitEvents.set(name, (waitEvents.get(name) ?? 0) + 1);
        if (row.t === 'Lock') waits.lock++;
        else if (row.t === 'IO' && /WAL|Xact/i.test(row.e ?? '')) waits.wal++;
        else if (row.t === 'LWLock' && /WAL/i.test(row.e ?? '')) waits.wal++;
        else waits.active++;
      }
      await new Promise((r) => setTimeout(r, 20));
    }
  })();

  const loadBefore = loadavg()
    .map((l) => l.toFixed(2))
    .join(' ');
  const lsn0 = (await monitor.query<{ l: string }>('SELECT pg_current_wal_lsn()::text AS l'))
    .rows[0]!.l;
  const pgTicks0 = postgresTicks(dataDir);
  const cpu0 = process.cpuUsage();
  const started = performance.now();
  let accepted = 0;
  let done = 0;
  await Promise.all(
    batches.map(async (mine) => {
      for (const b of mine) {
        // Awaited first: `accepted += await ...` would read `accepted` before the wait.
        const stored = await code.writeEvents(pool, b);
        accepted += stored.accepted;
        done++;
      }
    }),
  );
  const seconds = (performance.now() - started) / 1000;
  const cpu = process.cpuUsage(cpu0);
  const pgSeconds = (postgresTicks(dataDir) - pgTicks0) / TICKS_PER_SECOND;
  sampling = false;
  await sampler;
  const walBytes = Number(
    (
      await monitor.query<{ b: string }>(
        'SELECT pg_wal_lsn_diff(pg_current_wal_lsn(), $1::pg_lsn)::text AS b',
        [lsn0],
      )
    ).rows[0]!.b,
  );
  await monitor.end();
  await pool.end();
  const share = (x: number) => (waits.samples ? x / waits.samples : 0);
  const result: RunResult = {
    code: code.label,
    eventsPerSecond: accepted / seconds,
    postgresCpuMicrosPerEvent: (1e6 * pgSeconds) / accepted,
    clientCpuMicrosPerEvent: (cpu.user + cpu.system) / accepted,
    walBytesPerEvent: walBytes / accepted,
    seconds,
    batches: done,
    postgresCpuPct: (100 * pgSeconds) / seconds,
    clientCpuPct: (100 * (cpu.user + cpu.system)) / 1e6 / seconds,
    waits: {
      lock: share(waits.lock),
      wal: share(waits.wal),
      active: share(waits.active),
      samples: waits.samples,
    },
    waitEvents: Object.fromEntries([...waitEvents].sort((x, y) => y[1] - x[1])),
    loadBefore,
    loadAfter: loadavg()
      .map((l) => l.toFixed(2))
      .join(' '),
  };
  console.log(
    `  run ${n} (${code.label}): ${Math.round(result.eventsPerSecond).toLocaleString()} events/s (${accepted.toLocaleString()} in ${seconds.toFixed(1)} s), PostgreSQL CPU ${result.postgresCpuPct.toFixed(0)} % = ${result.postgresCpuMicrosPerEvent.toFixed(1)} µs/event, WAL ${Math.round(result.walBytesPerEvent)} B/event, client ${result.clientCpuPct.toFixed(0)} % = ${result.clientCpuMicrosPerEvent.toFixed(1)} µs/event, writers waiting on a lock ${(100 * result.waits.lock).toFixed(0)} % / WAL ${(100 * result.waits.wal).toFixed(0)} % of samples (${Object.entries(
      result.waitEvents,
    )
      .slice(0, 5)
      .map(([k, v]) => `${k} ${((100 * v) / waits.samples).toFixed(0)} %`)
      .join(', ')}); load ${loadBefore} -> ${result.loadAfter}`,
  );
  return result;
}

async function main(): Promise<void> {
  const o = options();
  console.log(
    `activity ingest benchmark: ${o.events.toLocaleString()} events, ${o.fis} concurrent writers (${o.mode}), ${o.batch}-event batches, ${o.runs} runs, heap collected before each run: ${global.gc ? 'yes' : 'no (run node with --expose-gc)'}; nproc ${cpus().length}, load ${loadavg()
      .map((l) => l.toFixed(2))
      .join(' ')}`,
  );
  const dataDir = benchClusterDir('activity-ingest-bench-');
  let embedded: TunedPostgres | undefined;
  try {
    embedded = await startTunedPostgres(dataDir);
    // Its postmaster.pid, for PostgreSQL's CPU, is under the data directory it reports.
    const { dataDirectory: pgData, hugePages } = embedded;
    const codes = o.baseline ? [await baselineCode(o.baseline), CURRENT] : [CURRENT];
    // Not counted: the first run on a fresh cluster also creates its WAL segment files
    // (IO:WalInitWrite, 5-20 % of the writers' samples); later runs reuse them.
    console.log('  warm-up run (not counted):');
    await run(o, codes[0]!, embedded.url, pgData, 0);
    const runs: RunResult[] = [];
    // Alternating, so that the machine's changing load hits each alike; first one, then the
    // other goes first (ABBA), since later runs on a machine getting quieter are faster.
    for (let n = 1; n <= o.runs; n++) {
      const order = n % 2 === 1 ? codes : [...codes].reverse();
      for (const code of order) runs.push(await run(o, code, embedded.url, pgData, n));
    }
    const summaries = codes.map((code) => {
      const mine = runs.filter((r) => r.code === code.label);
      const m = (f: (r: RunResult) => number) => median(mine.map(f));
      return {
        code: code.label,
        eventsPerSecond: Math.round(m((r) => r.eventsPerSecond)),
        postgresCpuPct: Math.round(m((r) => r.postgresCpuPct)),
        postgresCpuMicrosPerEvent: Number(m((r) => r.postgresCpuMicrosPerEvent).toFixed(1)),
        walBytesPerEvent: Math.round(m((r) => r.walBytesPerEvent)),
        clientCpuPct: Math.round(m((r) => r.clientCpuPct)),
        clientCpuMicrosPerEvent: Number(m((r) => r.clientCpuMicrosPerEvent).toFixed(1)),
        lockWaitPct: Math.round(100 * m((r) => r.waits.lock)),
        walWaitPct: Math.round(100 * m((r) => r.waits.wal)),
      };
    });
    console.log(
      `\n${machine()}, PostgreSQL shared memory on huge pages: ${hugePages}\n\n| code | mode | writers | events | runs | median events/s | PostgreSQL CPU | PostgreSQL µs/event | WAL B/event | client CPU | client µs/event | lock waits | WAL waits |\n| --- | --- | --: | --: | --: | --: | --: | --: | --: | --: | --: | --: | --: |\n${summaries
        .map(
          (x) =>
            `| ${x.code} | ${o.mode} | ${o.fis} | ${o.events.toLocaleString()} | ${o.runs} | ${x.eventsPerSecond.toLocaleString()} | ${x.postgresCpuPct} % | ${x.postgresCpuMicrosPerEvent} | ${x.walBytesPerEvent} | ${x.clientCpuPct} % | ${x.clientCpuMicrosPerEvent} | ${x.lockWaitPct} % | ${x.walWaitPct} % |`,
        )
        .join('\n')}`,
    );
    if (summaries.length === 2) {
      const [before, after] = summaries as [(typeof summaries)[0], (typeof summaries)[0]];
      console.log(
        `\nafter / before: events/s x${(after.eventsPerSecond / before.eventsPerSecond).toFixed(2)}, PostgreSQL µs/event x${(after.postgresCpuMicrosPerEvent / before.postgresCpuMicrosPerEvent).toFixed(2)}, client µs/event x${(after.clientCpuMicrosPerEvent / before.clientCpuMicrosPerEvent).toFixed(2)}, WAL/event x${(after.walBytesPerEvent / before.walBytesPerEvent).toFixed(2)}`,
      );
    }
    mkdirSync(join(process.cwd(), 'bench', 'results'), { recursive: true });
    const file = join(
      process.cwd(),
      'bench',
      'results',
      `activity-ingest-${new Date().toISOString().replace(/[:.]/g, '-')}.json`,
    );
    writeFileSync(
      file,
      JSON.stringify(
        { options: o, nproc: cpus().length, machine: machine(), hugePages, summaries, runs },
        null,
        2,
      ),
    );
    console.log(`results: ${file}`);
  } finally {
    await embedded?.stop();
    removeClusterDir(dataDir);
  }
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});

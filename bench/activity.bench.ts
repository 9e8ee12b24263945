/**
 * `npm run bench:activity -- [--events 10000000] [--users 50000] [--fis 5] [--days 90]
 *   [--samples 200] [--rounds 3] [--ingest-seconds 20] [--ingest-concurrency 4] [--ingest-per-fi]
 *   [--reuse] [--keep]
 *   [--data-dir DIR] [--baseline DIR] [--only search,ingest,export] [--export-rounds 3] [--floor]`
 * `npm run bench:export`: the export part alone on 2 M events of one FI over 30 days.
 *
 * Search only, on data seeded once and kept (the second run reuses the 10 M events):
 *   npm run bench:activity -- --only search --keep --reuse
 * `--keep` keeps the cluster in .data/bench-postgres (port 54339), `--data-dir` anywhere else
 * (another checkout's, say); `--reuse` uses the events found there when there are enough.
 * `--baseline DIR`: another checkout, built (`npm run build` there), whose activity-service runs
 * beside this one on the same data; each sample then measures both services and both builds'
 * statements direct, in turns, so before and after see the same load. With `--only export`,
 * each export case runs on both services, one right after the other, and the summary has a
 * line per build, with each run's CPU per 1,000 events of the service and of its PostgreSQL
 * backend (`/proc`, local database).
 * `--floor`: the search part also measures bench/search-floor.server.ts, a bare node:http
 * server answering the same statements with no framework, authentication or logging, in the
 * same samples: what one extra process and loopback hop cost on this machine by themselves.
 *
 * The Banking Activity benchmark on real PostgreSQL (DATABASE_URL, else a throwaway embedded
 * cluster):
 *   1. generates the events with SQL (generate_series; the catalogue's attributes), not through
 *      the API, so 10 million take minutes;
 *   2. starts the real auth-server and activity-service as child processes;
 *   3. first-page latency (p50/p95) of the six search shapes through the API, next to the very
 *      same SQL run directly on the database in the same run (ratio API / SQL);
 *   4. ingest rate through POST .../batch (5,000-event batches, concurrent clients);
 *   5. export rate: NDJSON and CSV, with and without gzip, over 7 days and the whole range
 *      (memory flat as the range grows: the service's peak RSS), medians of the rounds.
 * Results print as Markdown and go to bench/results/ as JSON.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes, randomUUID } from 'node:crypto';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { cpus, loadavg } from 'node:os';
import { Agent, request } from 'node:http';
import { join, resolve } from 'node:path';
import { performance } from 'node:perf_hooks';
import { Client, Pool } from 'pg';
import {
  EVENT_TYPES,
  type AttributeDefinition,
} from '../apps/activity-service/src/catalogue/event-catalogue';
import { parseSearchRequest } from '../apps/activity-service/src/search/search.query';
import { createActivityPool } from '../apps/activity-service/src/storage/activity-database';
import { SEQ_PER_BATCH } from '../apps/activity-service/src/storage/schema';
import { freePort } from '../scripts/embedded-postgres';
import { prepareActivitySchema } from '../scripts/seed-activity';
import {
  benchClusterDir,
  benchNodeArgs,
  machine as describeMachine,
  median,
  PG_SETTINGS,
  removeClusterDir,
  startTunedPostgres,
  type TunedPostgres,
} from './support';

const ROOT = resolve(__dirname, '../..');
const DAY_MS = 86_400_000;
const READ_SCOPES = 'banking-activities:read account:read';

interface Options {
  events: number;
  users: number;
  fis: number;
  days: number;
  samples: number;
  rounds: number;
  ingestSeconds: number;
  ingestConcurrency: number;
  /** Each ingest client posts batches of one FI of its own (an FI's own token's traffic). */
  ingestPerFi: boolean;
  reuse: boolean;
  keep: boolean;
  dataDir: string | null;
  /** Another built checkout whose activity-service is measured beside this one's. */
  baseline: string | null;
  only: Set<string>;
  exportRounds: number;
  /** Also measure the bare node:http floor (bench/search-floor.server.ts). */
  floor: boolean;
}

function options(): Options {
  const args = process.argv.slice(2);
  const flag = (name: string, fallback: number) => {
    const i = args.indexOf(`--${name}`);
    return i >= 0 ? Number(args[i + 1]) : fallback;
  };
  const only = args.indexOf('--only');
  const dataDir = args.indexOf('--data-dir');
  const baseline = args.indexOf('--baseline');
  // `search` is the first-page latency part (its old name, `latency`, still works).
  const parts = (only >= 0 ? args[only + 1]!.split(',') : ['search', 'ingest', 'export']).map(
    (p) => (p === 'latency' ? 'search' : p),
  );
  return {
    events: flag('events', 10_000_000),
    users: flag('users', 50_000),
    fis: flag('fis', 5),
    days: flag('days', 90),
    samples: flag('samples', 200),
    rounds: flag('rounds', 3),
    ingestSeconds: flag('ingest-seconds', 20),
    ingestConcurrency: flag('ingest-concurrency', 4),
    ingestPerFi: args.includes('--ingest-per-fi'),
    reuse: args.includes('--reuse'),
    keep: args.includes('--keep') || dataDir >= 0,
    dataDir: dataDir >= 0 ? resolve(args[dataDir + 1]!) : null,
    baseline: baseline >= 0 ? resolve(args[baseline + 1]!) : null,
    only: new Set(parts),
    exportRounds: flag('export-rounds', 3),
    floor: args.includes('--floor'),
  };
}

const fiName = (i: number) => `bench-fi-${i + 1}`;

// ---------------------------------------------------------------------------------- data

/** SQL for a value of one attribute, random per row. */
function attributeValueSql(a: AttributeDefinition): string {
  const literal = (s: string) => `'${s.replace(/'/g, "''")}'`;
  if (a.enum) {
    return `(ARRAY[${a.enum.map(literal).join(',')}])[1 + floor(random() * ${a.enum.length})::int]`;
  }
  switch (a.type) {
    case 'string':
      return a.attributeId === 'currency'
        ? `'USD'`
        : `'${a.attributeId}-' || floor(random() * 1000)::int`;
    case 'integer':
      return `floor(random() * 10)::int`;
    case 'number':
      return `round((random() * 5000)::numeric, 2)`;
    case 'boolean':
      return `random() < 0.5`;
    case 'string[]':
      return `jsonb_build_array('emailAddress', 'phoneNumber')`;
  }
}

/** A CASE over event_id giving each row its type's attributes (required ones, plus optional half the time). */
function attributesSql(): string {
  const branches = EVENT_TYPES.map((t) => {
    const pairs = t.attributes
      .filter((a) => a.required)
      .map((a) => `'${a.attributeId}', ${attributeValueSql(a)}`);
    const optional = t.attributes
      .filter((a) => !a.required)
      .map(
        (a) =>
          `CASE WHEN random() < 0.5 THEN jsonb_build_object('${a.attributeId}', ${attributeValueSql(a)}) ELSE '{}'::jsonb END`,
      );
    const base = `jsonb_build_object(${pairs.join(', ')})`;
    return `WHEN '${t.eventId}' THEN ${[base, ...optional].join(' || ')}`;
  });
  return `CASE s.event_id ${branches.join(' ')} END`;
}

/** Event types repeated by weight, so a uniform pick follows a plausible mix. */
function weightedTypes(): string[] {
  const weights: Record<string, number> = {
    loginSuccess: 300,
    logout: 150,
    alertDelivered: 60,
    statementViewed: 50,
    mfaChallengeIssued: 45,
    mfaChallengeSuccess: 40,
    transferCreated: 40,
    transferCompleted: 35,
    billPaymentScheduled: 30,
    loginFailure: 25,
    statementDownloaded: 15,
    remoteDepositSubmitted: 12,
  };
  return EVENT_TYPES.flatMap((t) => Array<string>(weights[t.eventId] ?? 3).fill(t.eventId));
}

async function generate(pool: Pool, o: Options, now: number): Promise<void> {
  const from = now - o.days * DAY_MS;
  const types = weightedTypes();
  const chunk = 250_000;
  const chunks = Math.ceil(o.events / chunk);
  const started = performance.now();
  // Secondary indexes and the guid key are built once after the load (sorted builds), far
  // cheaper than maintaining them row by row through 10 million inserts.
  const secondary = await pool.query<{ name: string; def: string }>(
    `SELECT indexname AS name, indexdef AS def FROM pg_indexes
      WHERE schemaname = 'activity' AND tablename = 'events' AND indexname <> 'PK_events'`,
  );
  for (const ix of secondary.rows) await pool.query(`DROP INDEX activity."${ix.name}"`);
  await pool.query(`ALTER TABLE activity.event_guids DROP CONSTRAINT IF EXISTS "PK_event_guids"`);

  for (let c = 0; c < chunks; c++) {
    const lo = c * chunk + 1;
    const hi = Math.min(o.events, (c + 1) * chunk);
    // Each chunk covers its slice of the time range, so rows arrive roughly in time order.
    const t0 = from + ((now - from) * c) / chunks;
    const t1 = from + ((now - from) * (c + 1)) / chunks;
    await pool.query(
      `WITH s AS (
         SELECT g, floor(random() * $3)::int AS u,
                ($4::text[])[1 + floor(random() * array_length($4::text[], 1))::int] AS event_id,
                date_trunc('milliseconds', $5::timestamptz + random() * ($6::timestamptz - $5::timestamptz)) AS ts
           FROM generate_series($1::bigint, $2::bigint) g
       ), rows AS (
         INSERT INTO activity.events (seq, guid, institution_id, event_id, occurred_at, user_type, login_id,
           customer_id, company_id, account_type, channel, ip_address, attributes)
         SELECT s.g, md5('bench' || s.g)::uuid, 'bench-fi-' || (s.u % $7 + 1), s.event_id, s.ts,
                CASE WHEN (s.u / $7) % 5 = 0 THEN 'business' ELSE 'retail' END,
                'user' || s.u, md5('customer' || s.u)::uuid::text,
                CASE WHEN (s.u / $7) % 5 = 0 THEN 'co-' || ((s.u / $7) / 25) END,
                CASE WHEN s.event_id LIKE 'transfer%' THEN 'checking' END,
                (ARRAY['mobile','online','online','api'])[1 + (s.u % 4)],
                '10.' || (s.u % 250) || '.' || (s.u / 250 % 250) || '.7',
                ${attributesSql()}
           FROM s ORDER BY s.ts
         RETURNING institution_id, guid, occurred_at
       )
       INSERT INTO activity.event_guids (institution_id, guid, occurred_at)
       SELECT institution_id, guid, occurred_at FROM rows`,
      [lo, hi, o.users, types, new Date(t0).toISOString(), new Date(t1).toISOString(), o.fis],
    );
    process.stdout.write(
      `\r  generated ${hi.toLocaleString()} / ${o.events.toLocaleString()} events`,
    );
  }
  process.stdout.write('\n  building indexes...\n');
  await pool.query(
    `ALTER TABLE activity.event_guids ADD CONSTRAINT "PK_event_guids" PRIMARY KEY (institution_id, guid)`,
  );
  // pg_indexes shows partitioned indexes as "ON ONLY"; recreated on the parent they recurse.
  for (const ix of secondary.rows) await pool.query(ix.def.replace(' ON ONLY ', ' ON '));
  // Batches ingested later get seq values above the generated ones.
  await pool.query(`SELECT setval('activity.event_batch_seq', $1)`, [
    Math.ceil((o.events + 1) / SEQ_PER_BATCH) + 1,
  ]);
  await pool.query('VACUUM ANALYZE activity.events');
  await pool.query('VACUUM ANALYZE activity.event_guids');
  console.log(`  data ready in ${((performance.now() - started) / 1000).toFixed(0)} s`);
}

// ------------------------------------------------------------------------------ services

interface Service {
  url: string;
  child: ChildProcess;
}

async function startService(
  entry: string,
  portEnv: string,
  env: NodeJS.ProcessEnv,
  port: number,
  root = ROOT,
): Promise<Service> {
  const child = spawn(process.execPath, [...benchNodeArgs(), join(root, 'dist', entry)], {
    env: { ...process.env, ...env, [portEnv]: String(port), HOST: '127.0.0.1' },
    stdio: ['ignore', 'ignore', 'inherit'],
  });
  const url = `http://127.0.0.1:${port}`;
  const deadline = Date.now() + 60_000;
  while (Date.now() < deadline) {
    if (child.exitCode !== null) throw new Error(`${entry} exited with ${child.exitCode}`);
    try {
      if ((await fetch(`${url}/health/ready`)).ok) return { url, child };
    } catch {
      // not listening yet
    }
    await new Promise((r) => setTimeout(r, 200));
  }
  throw new Error(`${entry} not ready`);
}

async function token(
  authUrl: string,
  admin: { id: string; secret: string },
  fi: string,
  scopes: string,
): Promise<string> {
  const form = (body: Record<string, string>, user: string, pass: string) =>
    fetch(`${authUrl}/oauth2/v1/token`, {
      method: 'POST',
      headers: {
        'content-type': 'application/x-www-form-urlencoded',
        authorization: `Basic ${Buffer.from(`${user}:${pass}`).toString('base64')}`,
      },
      body: new URLSearchParams(body).toString(),
    }).then((r) => r.json() as Promise<{ access_token: string }>);
  const adminToken = (
    await form({ grant_type: 'client_credentials', scope: 'clients:admin' }, admin.id, admin.secret)
  ).access_token;
  const res = await fetch(`${authUrl}/admin/v1/clients`, {
    method: 'POST',
    headers: { authorization: `Bearer ${adminToken}`, 'content-type': 'application/json' },
    body: JSON.stringify({
      institutionId: fi,
      name: 'bench',
      scopes: scopes.split(' '),
      grantTypes: ['client_credentials'],
    }),
  });
  const client = (await res.json()) as { clientId: string; clientSecret: string };
  return (
    await form(
      { grant_type: 'client_credentials', scope: scopes },
      client.clientId,
      client.clientSecret,
    )
  ).access_token;
}

// A lean keep-alive client: fetch's own overhead would be billed to the API in the ratio.
const agent = new Agent({ keepAlive: true, maxSockets: 16 });

function post(
  url: string,
  headers: Record<string, string>,
  body: string,
): Promise<{ status: number; text: string }> {
  return new Promise((resolve, reject) => {
    const req = request(url, { method: 'POST', agent, headers }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () =>
        resolve({ status: res.statusCode ?? 0, text: Buffer.concat(chunks).toString('utf8') }),
      );
      res.on('error', reject);
    });
    req.on('error', reject);
    req.end(body);
  });
}

// ------------------------------------------------------------------------------- measures

const percentile = (sorted: number[], p: number) =>
  sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]!;

interface RoundResult {
  shape: string;
  apiP50: number;
  apiP95: number;
  sqlP50: number;
  sqlP95: number;
  rows: number;
}

interface ShapeResult extends RoundResult {
  ratioP50: number;
  ratioP95: number;
  rounds: RoundResult[];
  /** EXPLAIN of one sample: the indexes scanned, whether anything was sorted, planning. */
  plan: { indexes: string[]; sort: boolean; planningMs: number; executionMs: number };
}

interface PlanNode {
  'Node Type': string;
  'Index Name'?: string;
  Plans?: PlanNode[];
}

async function explain(pool: Pool, text: string, values: unknown[]): Promise<ShapeResult['plan']> {
  const res = await pool.query(`EXPLAIN (ANALYZE, FORMAT JSON) ${text}`, values);
  const doc = (
    res.rows[0] as {
      'QUERY PLAN': { Plan: PlanNode; 'Planning Time': number; 'Execution Time': number }[];
    }
  )['QUERY PLAN'][0]!;
  const nodes = (n: PlanNode): PlanNode[] => [n, ...(n.Plans ?? []).flatMap(nodes)];
  const all = nodes(doc.Plan);
  // Partition indexes are named after their columns; strip the partition prefix.
  const indexes = [
    ...new Set(
      all.flatMap((n) =>
        n['Index Name'] ? [n['Index Name'].replace(/^events_p\d+_(h\d+_)?/, '')] : [],
      ),
    ),
  ];
  return {
    indexes,
    sort: all.some((n) => n['Node Type'] === 'Sort'),
    planningMs: doc['Planning Time'],
    executionMs: doc['Execution Time'],
  };
}

/**
 * A build of the activity-service to measure: this checkout's, or a baseline checkout's
 * (`--baseline DIR`, built), each with its own statements compiled by its own code.
 */
interface Target {
  label: string;
  url: string;
  compile: (body: Record<string, unknown>) => {
    pageSize: number;
    compiled: { text: string; values: unknown[]; name?: string };
  };
}

/** A checkout's parse and compile functions (dist/), for its side of the direct SQL. */
function compilerOf(root: string, fi: string): Target['compile'] {
  const load = (file: string): unknown =>
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    require(join(root, 'dist', 'apps', 'activity-service', 'src', 'search', file));
  const { parseSearchRequest: parse } = load('search.query') as {
    parseSearchRequest: typeof parseSearchRequest;
  };
  const { compileSearchPage: compilePage } = load('search.sql') as {
    compileSearchPage: (
      q: unknown,
      after: null,
    ) => { text: string; values: unknown[]; name?: string };
  };
  return (body) => {
    const q = parse(body, {
      institutionId: fi,
      now: Date.now(),
      maxLookbackDays: 93,
      mode: 'search',
    });
    return { pageSize: q.pageSize, compiled: compilePage(q, null) };
  };
}

/** Events a page statement found: one row with `rows` (since the page is one row), else rows. */
function pageRows(result: { rows: Record<string, unknown>[]; rowCount: number | null }): number {
  const first = result.rows[0];
  return first && typeof first.rows === 'number' ? first.rows : (result.rowCount ?? 0);
}

async function latency(
  o: Options,
  targets: Target[],
  readToken: string,
  pool: Pool,
  now: number,
): Promise<Map<string, ShapeResult[]>> {
  const start = new Date(now - Math.min(o.days, 92) * DAY_MS).toISOString();
  const end = new Date(now).toISOString();
  // Users of bench-fi-1 are user<n> with n % fis == 0.
  const user = (k: number) => `user${((k * 7919) % Math.floor(o.users / o.fis)) * o.fis}`;
  const shapes: { name: string; body: (k: number) => Record<string, unknown> }[] = [
    {
      name: '1 one user, all events',
      body: (k) => ({ startTime: start, endTime: end, userId: user(k) }),
    },
    {
      name: '2 one user, 3 event types',
      body: (k) => ({
        startTime: start,
        endTime: end,
        userId: user(k),
        eventIds: ['loginSuccess', 'logout', 'transferCreated'],
      }),
    },
    {
      name: '3 one user, 1 event type',
      body: (k) => ({
        startTime: start,
        endTime: end,
        userId: user(k),
        eventIds: ['loginSuccess'],
      }),
    },
    { name: '4 FI, all events', body: () => ({ startTime: start, endTime: end }) },
    {
      name: '5 FI, 3 event types (one rare)',
      body: () => ({
        startTime: start,
        endTime: end,
        eventIds: ['transferCreated', 'userLocked', 'loginFailure'],
      }),
    },
    {
      name: '6 FI, 1 event type',
      body: () => ({ startTime: start, endTime: end, eventIds: ['passwordReset'] }),
    },
  ];
  // Rounds over all six shapes, so that the machine's changing load hits every shape alike.
  const rounds = new Map<string, RoundResult[][]>(targets.map((t) => [t.label, []]));
  for (let round = 1; round <= o.rounds; round++) {
    console.log(`  round ${round} of ${o.rounds}:`);
    const results = new Map<string, RoundResult[]>(targets.map((t) => [t.label, []]));
    for (const shape of shapes) {
      const api = new Map<string, number[]>(targets.map((t) => [t.label, []]));
      const sql = new Map<string, number[]>(targets.map((t) => [t.label, []]));
      const rows = new Map<string, number>(targets.map((t) => [t.label, 0]));
      for (let k = -20; k < o.samples; k++) {
        const body = shape.body(k + 100);
        const text = JSON.stringify(body);
        // Every measurement of the sample, its order turning with k: whichever goes first
        // reads the user's rows from colder caches, so no side always gets the warm run.
        const runs: (() => Promise<void>)[] = [];
        for (const target of targets) {
          const { pageSize, compiled } = target.compile(body);
          runs.push(async () => {
            const t = performance.now();
            const res = await post(
              `${target.url}/data-apis/v1/banking-activities`,
              { authorization: `Bearer ${readToken}`, 'content-type': 'application/json' },
              text,
            );
            const ms = performance.now() - t;
            if (res.status !== 200 && res.status !== 204) {
              throw new Error(`search ${res.status}: ${res.text}`);
            }
            if (k >= 0) api.get(target.label)!.push(ms);
          });
          // The service's own statement, run the way its repository runs it: the same pool
          // settings, the same values, and prepared under the same name when the service
          // prepares it (so neither side alone skips parsing and planning).
          runs.push(async () => {
            const t = performance.now();
            const r = await pool.query({
              name: compiled.name,
              text: compiled.text,
              values: compiled.values,
            });
            const ms = performance.now() - t;
            if (k >= 0) {
              sql.get(target.label)!.push(ms);
              rows.set(target.label, rows.get(target.label)! + Math.min(pageRows(r), pageSize));
            }
          });
        }
        const turn = ((k % runs.length) + runs.length) % runs.length;
        for (let i = 0; i < runs.length; i++) await runs[(turn + i) % runs.length]!();
      }
      for (const target of targets) {
        const a = api.get(target.label)!.sort((x, y) => x - y);
        const q = sql.get(target.label)!.sort((x, y) => x - y);
        const r: RoundResult = {
          shape: shape.name,
          apiP50: percentile(a, 50),
          apiP95: percentile(a, 95),
          sqlP50: percentile(q, 50),
          sqlP95: percentile(q, 95),
          rows: Math.round(rows.get(target.label)! / o.samples),
        };
        console.log(
          `    ${targets.length > 1 ? `[${target.label}] ` : ''}${r.shape}: API p50 ${r.apiP50.toFixed(2)} p95 ${r.apiP95.toFixed(2)} ms | SQL p50 ${r.sqlP50.toFixed(2)} p95 ${r.sqlP95.toFixed(2)} ms | ratio p50 ${(r.apiP50 / r.sqlP50).toFixed(2)} | rows ${r.rows}`,
        );
        results.get(target.label)!.push(r);
      }
    }
    for (const target of targets) rounds.get(target.label)!.push(results.get(target.label)!);
  }
  const summary = new Map<string, ShapeResult[]>();
  for (const target of targets) {
    const byRound = rounds.get(target.label)!;
    const out: ShapeResult[] = [];
    for (const [i, shape] of shapes.entries()) {
      const of = (pick: (r: RoundResult) => number) => median(byRound.map((r) => pick(r[i]!)));
      const sample = target.compile(shape.body(100)).compiled;
      out.push({
        shape: shape.name,
        rows: byRound[0]![i]!.rows,
        apiP50: of((r) => r.apiP50),
        apiP95: of((r) => r.apiP95),
        sqlP50: of((r) => r.sqlP50),
        sqlP95: of((r) => r.sqlP95),
        // The median of each round's ratio: both sides of a ratio were measured side by side.
        ratioP50: of((r) => r.apiP50 / r.sqlP50),
        ratioP95: of((r) => r.apiP95 / r.sqlP95),
        rounds: byRound.map((r) => r[i]!),
        plan: await explain(pool, sample.text, sample.values),
      });
    }
    summary.set(target.label, out);
  }
  return summary;
}

/** The summary: medians over the rounds, one line per shape, against issue 14's targets. */
function printSummary(label: string, results: ShapeResult[], rounds: number): void {
  const pad = (s: string, n: number) => s.padStart(n);
  console.log(
    `\nsearch, first page, ${label}, medians of ${rounds} round(s) (target: ratio p50 <= 1.3, API p95 < 25 ms):`,
  );
  console.log(
    `| shape                          | rows | API p50 | API p95 | SQL p50 | SQL p95 | ratio p50 | ratio p95 | met |`,
  );
  console.log(
    `| ------------------------------ | ---: | ------: | ------: | ------: | ------: | --------: | --------: | --- |`,
  );
  for (const r of results) {
    const met = r.ratioP50 <= 1.3 && r.apiP95 < 25;
    console.log(
      `| ${r.shape.padEnd(30)} | ${pad(String(r.rows), 4)} | ${pad(r.apiP50.toFixed(2), 7)} | ${pad(r.apiP95.toFixed(2), 7)} | ${pad(r.sqlP50.toFixed(2), 7)} | ${pad(r.sqlP95.toFixed(2), 7)} | ${pad(r.ratioP50.toFixed(2), 9)} | ${pad(r.ratioP95.toFixed(2), 9)} | ${met ? 'yes' : 'no '} |`,
    );
  }
  for (const r of results) {
    console.log(
      `  plan ${r.shape}: ${r.plan.indexes.join(', ')}${r.plan.sort ? ' + Sort' : ''}, planning ${r.plan.planningMs.toFixed(2)} ms, execution ${r.plan.executionMs.toFixed(2)} ms`,
    );
  }
}

/** 5,000 events of every FI, or of FI `onlyFi` alone (its users are those with u % fiCount = onlyFi). */
function batchBody(fiCount: number, users: number, onlyFi?: number): string {
  const now = Date.now();
  const events = Array.from({ length: 5000 }, (_, i) => {
    let u = (i * 104_729) % users;
    if (onlyFi !== undefined) {
      u += onlyFi - (u % fiCount);
      if (u >= users) u -= fiCount;
    }
    return {
      guid: randomUUID(),
      eventId: i % 3 === 0 ? 'transferCreated' : 'loginSuccess',
      timeStamp: new Date(now - (i % 3600) * 1000).toISOString(),
      institutionId: fiName(u % fiCount),
      userType: 'retail',
      loginId: `user${u}`,
      // A user keeps one customer id, as in real traffic.
      customerId: `00000000-0000-4000-8000-${u.toString(16).padStart(12, '0')}`,
      channel: 'mobile',
      ipAddress: '198.51.100.7',
      attributes:
        i % 3 === 0
          ? { transferId: `T${i}`, amount: 125.5, currency: 'USD', transferType: 'internal' }
          : { clientId: 'mobile-app' },
    };
  });
  return JSON.stringify({ events });
}

interface IngestResult {
  eventsPerSecond: number;
  batches: number;
  /** CPU per event stored (µs): the service (all threads), its write pool's PostgreSQL backends, this process. */
  serviceCpuMicrosPerEvent: number | null;
  pgCpuMicrosPerEvent: number | null;
  clientCpuMicrosPerEvent: number;
}

async function ingest(
  o: Options,
  activityUrl: string,
  internalToken: string,
  servicePid: number,
  pool: Pool,
): Promise<IngestResult> {
  // Bodies are made before the clock starts; each is posted once (fresh guids, no duplicates).
  // Per client: its share of what 80k events/s would post, and one more.
  const each = Math.ceil((o.ingestSeconds * 80_000) / 5000 / o.ingestConcurrency) + 1;
  const bodies = Array.from({ length: o.ingestConcurrency }, (_, client) =>
    Array.from({ length: each }, () =>
      batchBody(o.fis, o.users, o.ingestPerFi ? client % o.fis : undefined),
    ),
  );
  let accepted = 0;
  let batches = 0;
  const pgBefore = await backendsCpu(pool, WRITE_POOL);
  const serviceBefore = cpuMs(servicePid);
  const clientBefore = process.cpuUsage();
  const deadline = performance.now() + o.ingestSeconds * 1000;
  const started = performance.now();
  await Promise.all(
    bodies.map(async (mine) => {
      for (let next = 0; performance.now() < deadline && next < mine.length; next++) {
        const body = mine[next]!;
        const res = await post(
          `${activityUrl}/data-apis/v1/banking-activities/batch`,
          { authorization: `Bearer ${internalToken}`, 'content-type': 'application/json' },
          body,
        );
        if (res.status !== 202) throw new Error(`batch ${res.status}: ${res.text}`);
        accepted += (JSON.parse(res.text) as { accepted: number }).accepted;
        batches++;
      }
    }),
  );
  const seconds = (performance.now() - started) / 1000;
  const client = process.cpuUsage(clientBefore);
  const serviceAfter = cpuMs(servicePid);
  const pgMs = cpuSince(pgBefore, await backendsCpu(pool, WRITE_POOL));
  const perEvent = (ms: number | null) => (ms === null ? null : (ms * 1000) / accepted);
  return {
    eventsPerSecond: accepted / seconds,
    batches,
    serviceCpuMicrosPerEvent: perEvent(
      serviceBefore === null || serviceAfter === null ? null : serviceAfter - serviceBefore,
    ),
    pgCpuMicrosPerEvent: perEvent(pgMs),
    clientCpuMicrosPerEvent: (client.user + client.system) / accepted,
  };
}

function rssKb(pid: number): number {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  return Number(/VmRSS:\s+(\d+)/.exec(status)?.[1] ?? 0);
}

interface ExportResult {
  /** Which service: this build, or the baseline's (`--baseline`). */
  build: string;
  range: string;
  format: string;
  events: number;
  seconds: number;
  eventsPerSecond: number;
  peakRssMb: number;
  baseRssMb: number;
  /** CPU (user + system, all threads) of the service per 1,000 events. */
  serviceCpuMsPerK: number;
  /** CPU of the PostgreSQL backends of the services' export pools per 1,000 events. */
  pgCpuMsPerK: number | null;
}

/** CPU time (ms, user + system) of a local process from /proc; null where it cannot be read. */
function cpuMs(pid: number): number | null {
  try {
    const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ');
    return ((Number(fields[11]) + Number(fields[12])) * 1000) / 100;
  } catch {
    return null;
  }
}

/** CPU (ms) of each backend of the services' pools named `applicationName` (local PostgreSQL only). */
async function backendsCpu(pool: Pool, applicationName: string): Promise<Map<number, number>> {
  const { rows } = await pool.query<{ pid: number }>(
    `SELECT pid FROM pg_stat_activity WHERE application_name LIKE $1`,
    [applicationName],
  );
  const cpu = new Map<number, number>();
  for (const { pid } of rows) {
    const ms = cpuMs(pid);
    if (ms !== null) cpu.set(pid, ms);
  }
  return cpu;
}

const EXPORT_POOLS = 'activity-service-export%';
/** The service's main pool, which writes the batches. */
const WRITE_POOL = 'activity-service';

/** CPU the backends used between two readings; a backend that connected since counts whole. */
function cpuSince(before: Map<number, number>, after: Map<number, number>): number | null {
  if (!after.size) return null;
  let ms = 0;
  for (const [backend, now] of after) ms += now - (before.get(backend) ?? 0);
  return ms;
}

async function exportRun(
  build: string,
  activityUrl: string,
  readToken: string,
  pid: number,
  pool: Pool,
  days: number,
  now: number,
  accept: string,
  gzip: boolean,
): Promise<ExportResult> {
  const pgBefore = await backendsCpu(pool, EXPORT_POOLS);
  const cpuBefore = cpuMs(pid);
  const baseRss = rssKb(pid);
  let peak = baseRss;
  const sampler = setInterval(() => (peak = Math.max(peak, rssKb(pid))), 20);
  const started = performance.now();
  const res = await fetch(`${activityUrl}/data-apis/v1/banking-activities/export`, {
    method: 'POST',
    headers: {
      authorization: `Bearer ${readToken}`,
      'content-type': 'application/json',
      accept,
      ...(gzip ? { 'accept-encoding': 'gzip' } : { 'accept-encoding': 'identity' }),
    },
    body: JSON.stringify({
      startTime: new Date(now - days * DAY_MS).toISOString(),
      endTime: new Date(now).toISOString(),
    }),
  });
  if (res.status !== 200) throw new Error(`export ${res.status}: ${await res.text()}`);
  // Count lines as they stream, holding nothing.
  let lines = 0;
  const reader = res.body!.getReader();
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    // indexOf (memchr): this process shares the 2 cores with the service and PostgreSQL.
    for (let i = value.indexOf(10); i >= 0; i = value.indexOf(10, i + 1)) lines++;
  }
  const seconds = (performance.now() - started) / 1000;
  clearInterval(sampler);
  peak = Math.max(peak, rssKb(pid));
  const cpuAfter = cpuMs(pid);
  // The backend that served this export stays idle in its pool for a while after it.
  const pgAfter = await backendsCpu(pool, EXPORT_POOLS);
  const pgMs = cpuSince(pgBefore, pgAfter);
  const events = accept === 'text/csv' ? lines - 1 : lines;
  return {
    build,
    range: `${days} d`,
    format: `${accept === 'text/csv' ? 'CSV' : 'NDJSON'}${gzip ? ' + gzip' : ''}`,
    events,
    seconds,
    eventsPerSecond: events / seconds,
    peakRssMb: peak / 1024,
    baseRssMb: baseRss / 1024,
    serviceCpuMsPerK:
      cpuBefore === null || cpuAfter === null ? NaN : (cpuAfter - cpuBefore) / (events / 1000),
    pgCpuMsPerK: pgMs === null ? null : pgMs / (events / 1000),
  };
}

// ----------------------------------------------------------------------------------- main

async function main(): Promise<void> {
  const o = options();
  const machine = {
    nproc: cpus().length,
    cpu: cpus()[0]?.model ?? 'cpu',
    node: process.version,
    loadBefore: loadavg()
      .map((l) => l.toFixed(2))
      .join(' '),
  };
  console.log(
    `activity benchmark: ${o.events.toLocaleString()} events, ${o.users} users, ${o.fis} FIs, ${o.days} days; ${describeMachine()}`,
  );

  let embedded: TunedPostgres | undefined;
  let baseUrl = process.env.DATABASE_URL;
  let dataDir: string | undefined;
  if (!baseUrl) {
    dataDir = o.keep
      ? (o.dataDir ?? join(ROOT, '.data', 'bench-postgres'))
      : benchClusterDir('activity-bench-');
    embedded = await startTunedPostgres(dataDir, o.keep ? 54339 : await freePort());
    baseUrl = embedded.url;
  }
  const dbUrl = new URL(baseUrl);
  dbUrl.pathname = '/activity_bench';
  const children: ChildProcess[] = [];
  try {
    const admin = new Client({ connectionString: baseUrl });
    await admin.connect();
    const exists = (await admin.query(`SELECT 1 FROM pg_database WHERE datname = 'activity_bench'`))
      .rowCount;
    if (exists && !o.reuse) await admin.query('DROP DATABASE activity_bench WITH (FORCE)');
    if (!exists || !o.reuse) await admin.query('CREATE DATABASE activity_bench');
    await admin.end();

    const now = Date.now();
    await prepareActivitySchema(
      dbUrl.toString(),
      new Date(now - (o.days + 1) * DAY_MS),
      new Date(now + 8 * DAY_MS),
    );
    // The direct side runs the search statements as the service's search pool does: generic
    // plans forced (ActivityDatabase); left to PostgreSQL, it re-plans the one-user shapes on
    // every call, and the ratio would credit the API with the SQL side's planning.
    const pool = createActivityPool({
      url: dbUrl.toString(),
      max: 4,
      statementTimeoutMs: 0,
      applicationName: 'bench',
      genericPlans: true,
    });
    // PostgreSQL stopped under idle clients at the end must not crash the run.
    pool.on('error', () => undefined);
    const count = Number((await pool.query('SELECT count(*) FROM activity.events')).rows[0].count);
    let dataNow = now;
    if (o.reuse && count >= o.events) {
      dataNow = new Date(
        (await pool.query('SELECT max(occurred_at) AS m FROM activity.events')).rows[0].m,
      ).getTime();
      console.log(`reusing ${count.toLocaleString()} events`);
    } else {
      console.log('generating data with SQL...');
      await generate(pool, o, now);
    }
    const size = (
      await pool.query(
        `SELECT pg_size_pretty(sum(pg_total_relation_size(c.oid))) AS s FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace WHERE n.nspname = 'activity' AND c.relkind IN ('r','i')`,
      )
    ).rows[0].s as string;
    console.log(`  activity schema size: ${size}`);

    // The auth-server's state is disposable here (its keys are sealed with this run's key).
    await pool.query('DROP SCHEMA IF EXISTS auth CASCADE');
    const adminCreds = { id: 'bench-admin', secret: randomBytes(32).toString('base64url') };
    const internalSecret = randomBytes(32).toString('base64url');
    const env = {
      NODE_ENV: 'production',
      LOG_LEVEL: 'warn',
      DATABASE_URL: dbUrl.toString(),
      CLIENT_SECRET_PEPPER: randomBytes(32).toString('base64url'),
      KEY_ENCRYPTION_KEY: randomBytes(32).toString('base64url'),
      ADMIN_CLIENT_ID: adminCreds.id,
      ADMIN_CLIENT_SECRET: adminCreds.secret,
      CUSTOMER_SERVICE_CLIENT_SECRET: internalSecret,
      ACTIVITY_PAGE_TOKEN_KEY: randomBytes(32).toString('base64url'),
      // Required in production since the delivery features; unused by the parts measured here.
      DELIVERY_SECRET_KEY: randomBytes(32).toString('base64url'),
      ACTIVITY_DELIVERY_KEY_ENCRYPTION_KEY: randomBytes(32).toString('base64url'),
    };
    const authPort = await freePort();
    const issuer = `http://127.0.0.1:${authPort}`;
    const auth = await startService(
      'apps/auth-server/src/main.js',
      'AUTH_PORT',
      { ...env, AUTH_ISSUER: issuer },
      authPort,
    );
    children.push(auth.child);
    const activity = await startService(
      'apps/activity-service/src/main.js',
      'ACTIVITY_PORT',
      { ...env, AUTH_ISSUER: issuer, AUTH_INTERNAL_URL: issuer },
      await freePort(),
    );
    children.push(activity.child);
    const targets: Target[] = [
      {
        label: o.baseline ? 'after' : 'this build',
        url: activity.url,
        compile: compilerOf(ROOT, fiName(0)),
      },
    ];
    let baselineService: Service | undefined;
    if (o.baseline && (o.only.has('search') || o.only.has('export'))) {
      // The baseline's service on the same database, measured in the same samples.
      const baseline = await startService(
        'apps/activity-service/src/main.js',
        'ACTIVITY_PORT',
        { ...env, AUTH_ISSUER: issuer, AUTH_INTERNAL_URL: issuer },
        await freePort(),
        o.baseline,
      );
      children.push(baseline.child);
      baselineService = baseline;
      targets.push({
        label: `before (${o.baseline})`,
        url: baseline.url,
        compile: compilerOf(o.baseline, fiName(0)),
      });
    }
    if (o.floor && o.only.has('search')) {
      const floor = await startService(
        'bench/search-floor.server.js',
        'FLOOR_PORT',
        { FLOOR_DATABASE_URL: dbUrl.toString(), FLOOR_INSTITUTION: fiName(0) },
        await freePort(),
      );
      children.push(floor.child);
      targets.push({
        label: 'floor (bare node:http)',
        url: floor.url,
        compile: compilerOf(ROOT, fiName(0)),
      });
    }
    const readToken = await token(auth.url, adminCreds, fiName(0), READ_SCOPES);

    const results: Record<string, unknown> = {
      options: { ...o, only: [...o.only] },
      machine,
      size,
      postgres: embedded
        ? { ...PG_SETTINGS, huge_pages_status: embedded.hugePages }
        : 'DATABASE_URL, as configured',
    };
    if (o.only.has('search')) {
      console.log('first-page latency (sequential requests, API vs the same SQL direct):');
      const search = await latency(o, targets, readToken, pool, dataNow);
      results.latency = Object.fromEntries(search);
      for (const [label, shapes] of search) printSummary(label, shapes, o.rounds);
      const service = search.get(targets[0]!.label);
      const floor = search.get('floor (bare node:http)');
      if (service && floor) {
        console.log('\nwhat the service adds to the bare hop (API p50 − floor p50, medians):');
        for (const [i, shape] of service.entries()) {
          const f = floor[i]!;
          console.log(
            `  ${shape.shape}: ${(shape.apiP50 - f.apiP50).toFixed(2)} ms (service ratio ${shape.ratioP50.toFixed(2)}, floor ratio ${f.ratioP50.toFixed(2)})`,
          );
        }
      }
    }
    if (o.only.has('ingest')) {
      const form = await fetch(`${auth.url}/oauth2/v1/token`, {
        method: 'POST',
        headers: {
          'content-type': 'application/x-www-form-urlencoded',
          authorization: `Basic ${Buffer.from(`customer-service:${internalSecret}`).toString('base64')}`,
        },
        body: 'grant_type=client_credentials&scope=internal:events:write',
      });
      const internalToken = ((await form.json()) as { access_token: string }).access_token;
      console.log(
        `ingest (${o.ingestConcurrency} concurrent clients, 5,000-event batches ${o.ingestPerFi ? 'of one FI each' : 'of every FI'}, ${o.ingestSeconds} s)...`,
      );
      results.ingest = await ingest(o, activity.url, internalToken, activity.child.pid!, pool);
      console.log(`  ${JSON.stringify(results.ingest)}`);
    }
    if (o.only.has('export')) {
      // Two range sizes (memory flat as the range grows), each format with and without gzip
      // at the smaller, rounds interleaved so the machine's load hits all cases alike.
      const small = Math.min(7, o.days);
      const large = Math.min(o.days, 90);
      const cases = [
        [small, 'application/x-ndjson', false],
        [small, 'text/csv', false],
        [small, 'application/x-ndjson', true],
        [small, 'text/csv', true],
        [large, 'application/x-ndjson', false],
        [large, 'application/x-ndjson', true],
      ] as const;
      console.log(
        `export (one FI, ${small} and ${large} days, ${o.exportRounds} rounds; load ${loadavg()
          .map((l) => l.toFixed(2))
          .join(' ')}):`,
      );
      // With --baseline, each case runs on the baseline's service right after this build's, so
      // both see the same load; the summary has a line per build.
      const services = [
        { build: o.baseline ? 'after' : 'this build', service: activity },
        ...(baselineService ? [{ build: 'before', service: baselineService }] : []),
      ];
      // A warm-up of each case on a day's events, so that the first measured runs do not pay
      // for the service's JIT compiling the export path.
      for (const { build, service } of services) {
        for (const [, accept, gzip] of cases) {
          await exportRun(
            build,
            service.url,
            readToken,
            service.child.pid!,
            pool,
            1,
            dataNow + 60_000,
            accept,
            gzip,
          );
        }
      }
      const runs: ExportResult[] = [];
      for (let round = 0; round < o.exportRounds; round++) {
        for (const [days, accept, gzip] of cases) {
          for (const { build, service } of services) {
            const r = await exportRun(
              build,
              service.url,
              readToken,
              service.child.pid!,
              pool,
              days,
              dataNow + 60_000,
              accept,
              gzip,
            );
            console.log(
              `  round ${round + 1} ${r.build} ${r.range} ${r.format}: ${r.events.toLocaleString()} events in ${r.seconds.toFixed(1)} s = ${Math.round(r.eventsPerSecond).toLocaleString()}/s, CPU per 1,000 events: service ${r.serviceCpuMsPerK.toFixed(2)} ms, PostgreSQL ${r.pgCpuMsPerK?.toFixed(2) ?? '?'} ms; RSS ${r.baseRssMb.toFixed(0)} -> peak ${r.peakRssMb.toFixed(0)} MB`,
            );
            runs.push(r);
          }
        }
      }
      const formatOf = (accept: string, gzip: boolean) =>
        `${accept === 'text/csv' ? 'CSV' : 'NDJSON'}${gzip ? ' + gzip' : ''}`;
      const summary = services.flatMap(({ build }) =>
        cases.map(([days, accept, gzip]) => {
          const rs = runs.filter(
            (r) =>
              r.build === build && r.range === `${days} d` && r.format === formatOf(accept, gzip),
          );
          const pg = rs.map((r) => r.pgCpuMsPerK).filter((x): x is number => x !== null);
          return {
            build,
            range: rs[0]!.range,
            format: rs[0]!.format,
            events: rs[0]!.events,
            eventsPerSecond: median(rs.map((r) => r.eventsPerSecond)),
            rounds: rs.map((r) => Math.round(r.eventsPerSecond)),
            serviceCpuMsPerK: median(rs.map((r) => r.serviceCpuMsPerK)),
            pgCpuMsPerK: pg.length ? median(pg) : null,
            baseRssMb: median(rs.map((r) => r.baseRssMb)),
            peakRssMb: Math.max(...rs.map((r) => r.peakRssMb)),
          };
        }),
      );
      console.log(
        '\n| build | range | format | events | events/s (median) | rounds | CPU ms / 1,000 events: service, PostgreSQL (medians) | service RSS before → peak |',
      );
      console.log('| --- | --- | --- | ---: | ---: | --- | --- | --- |');
      for (const r of summary) {
        console.log(
          `| ${r.build} | ${r.range} | ${r.format} | ${r.events.toLocaleString()} | **${Math.round(r.eventsPerSecond).toLocaleString()}** | ${r.rounds.map((x) => x.toLocaleString()).join(' · ')} | ${r.serviceCpuMsPerK.toFixed(2)}, ${r.pgCpuMsPerK?.toFixed(2) ?? '?'} | ${r.baseRssMb.toFixed(0)} → ${r.peakRssMb.toFixed(0)} MB |`,
        );
      }
      for (const { build } of services) {
        const rate = (range: number, format: string) =>
          summary.find(
            (r) => r.build === build && r.range === `${range} d` && r.format === format,
          )!;
        const ndjson = rate(small, 'NDJSON');
        const csv = rate(small, 'CSV');
        const gz = rate(small, 'NDJSON + gzip');
        const big = rate(large, 'NDJSON');
        console.log(
          `\n${build}: NDJSON / CSV: ${(ndjson.eventsPerSecond / csv.eventsPerSecond).toFixed(2)} (target ≥ 1, and ≥ 200,000/s: ${ndjson.eventsPerSecond >= 200_000 ? 'met' : 'not met'}); NDJSON + gzip ${Math.round(gz.eventsPerSecond).toLocaleString()}/s (target ≥ 150,000/s: ${gz.eventsPerSecond >= 150_000 ? 'met' : 'not met'}); memory as the range grows ${(big.events / ndjson.events).toFixed(1)}x: peak RSS ${ndjson.peakRssMb.toFixed(0)} → ${big.peakRssMb.toFixed(0)} MB`,
        );
      }
      results.export = { runs, summary };
    }
    results.loadAfter = loadavg()
      .map((l) => l.toFixed(2))
      .join(' ');
    console.log(`load average before: ${machine.loadBefore}; after: ${String(results.loadAfter)}`);
    await pool.end();
    mkdirSync(join(ROOT, 'bench', 'results'), { recursive: true });
    const file = join(
      ROOT,
      'bench',
      'results',
      `activity-${new Date().toISOString().replace(/[:.]/g, '-')}.json`,
    );
    writeFileSync(file, JSON.stringify(results, null, 2));
    console.log(`results: ${file}`);
  } finally {
    for (const child of children) child.kill('SIGTERM');
    await new Promise((r) => setTimeout(r, 500));
    await embedded?.stop();
    if (dataDir && !o.keep) removeClusterDir(dataDir);
  }
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});

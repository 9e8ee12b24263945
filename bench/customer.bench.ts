/**
 * `npm run bench:customer`: registrations per second and password-grant logins per second on
 * the real services (the auth-server and the customer-service as separate processes, as in
 * production, on a PostgreSQL with fsync on), and, in the same run, argon2id alone with the
 * same parameters, so that the ratio shows how much of the cost is the hash.
 *
 * BENCH_RUNS (default 3) runs; BENCH_SECONDS (default 15) per load phase; BENCH_CONNECTIONS
 * (default 8) concurrent connections. DATABASE_URL to use an existing PostgreSQL.
 * BENCH_COUNT_STATEMENTS=1 (embedded PostgreSQL only): before the runs, log every statement
 * (`log_statement = all`) for 20 sequential registrations, their first logins and 20 more
 * logins, and print what each one sends to PostgreSQL and how many commits, per operation.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdirSync, writeFileSync } from 'node:fs';
import { cpus, loadavg } from 'node:os';
import { join, resolve } from 'node:path';
import { hash, verify, type Algorithm } from '@node-rs/argon2';
import autocannon from 'autocannon';
import { Client } from 'pg';
import {
  freePort,
  startEmbeddedPostgres,
  type EmbeddedDatabase,
} from '../scripts/embedded-postgres';
import { benchClusterDir, benchNodeArgs, removeClusterDir } from './support';

const ROOT = resolve(__dirname, '../..');
const RUNS = Number(process.env.BENCH_RUNS ?? 3);
const SECONDS = Number(process.env.BENCH_SECONDS ?? 15);
const CONNECTIONS = Number(process.env.BENCH_CONNECTIONS ?? 8);
const PASSWORD = 'violet tractor sings at dawn';
// The service's defaults: OWASP's argon2id parameters.
const ARGON2 = { algorithm: 2 as Algorithm, memoryCost: 19_456, timeCost: 2, parallelism: 1 };
// libuv's default thread pool, which runs argon2 in the services too.
const HASH_CONCURRENCY = Number(process.env.UV_THREADPOOL_SIZE ?? 4);
const COUNT_STATEMENTS = process.env.BENCH_COUNT_STATEMENTS === '1';

/** Statements PostgreSQL logged while `log_statement = all` (BENCH_COUNT_STATEMENTS). */
const statementLog: string[] = [];
let logging = false;
function collectStatements(chunk: string): void {
  if (!logging) return;
  for (const line of chunk.split('\n')) {
    const m = /LOG:\s+(?:statement|execute [^:]*):\s*(.*)$/.exec(line);
    if (m) statementLog.push(m[1]!.replace(/\s+/g, ' ').trim());
  }
}

/** Runs `fn` `n` times with every statement logged; returns statements per call, by text. */
async function statementsPer(
  admin: Client,
  n: number,
  fn: (i: number) => Promise<unknown>,
): Promise<{ perCall: number; commitsPerCall: number; statements: Record<string, number> }> {
  statementLog.length = 0;
  await admin.query(`ALTER SYSTEM SET log_statement = 'all'`);
  await admin.query('SELECT pg_reload_conf()');
  await new Promise((r) => setTimeout(r, 500));
  logging = true;
  for (let i = 0; i < n; i++) await fn(i);
  await new Promise((r) => setTimeout(r, 500));
  logging = false;
  await admin.query('ALTER SYSTEM RESET log_statement');
  await admin.query('SELECT pg_reload_conf()');
  const ours = statementLog.filter((s) => !/ALTER SYSTEM|pg_reload_conf/.test(s));
  const byText = new Map<string, number>();
  for (const s of ours) byText.set(s.slice(0, 110), (byText.get(s.slice(0, 110)) ?? 0) + 1);
  // rate-limiter-flexible's prepared upsert is logged by its name.
  const writes = /^(INSERT|UPDATE|DELETE|WITH|rlflx-upsert)/i;
  // A commit that flushes WAL: an explicit COMMIT, or a write outside a transaction.
  let commits = 0;
  let inTx = false;
  for (const s of ours) {
    if (/^(BEGIN|START TRANSACTION)/i.test(s)) inTx = true;
    else if (/^COMMIT/i.test(s)) {
      inTx = false;
      commits++;
    } else if (/^ROLLBACK/i.test(s)) inTx = false;
    else if (!inTx && writes.test(s)) commits++;
  }
  return {
    perCall: ours.length / n,
    commitsPerCall: commits / n,
    statements: Object.fromEntries(
      [...byText.entries()].sort((a, b) => b[1] - a[1]).map(([k, v]) => [k, v / n]),
    ),
  };
}

const median = (xs: number[]): number => {
  const s = [...xs].sort((a, b) => a - b);
  const mid = Math.floor(s.length / 2);
  return s.length % 2 ? s[mid]! : (s[mid - 1]! + s[mid]!) / 2;
};

let seq = 0;
const RUN_TAG = randomBytes(3).toString('hex');
const newLoginId = (): string => `b${RUN_TAG}${(seq++).toString(36).padStart(4, '0')}`;

function registration(loginId: string): string {
  return JSON.stringify({
    loginId,
    password: PASSWORD,
    userType: 'RETAIL',
    person: {
      firstName: 'Jane',
      lastName: 'Doe',
      birthDate: '1990-04-17',
      ssn: '123-45-6780',
      emailAddress: 'jane.doe@example.com',
      phoneNumber: '(202) 555-0143',
      postalAddress: {
        address1: '100 Main Street',
        city: 'Springfield',
        state: 'IL',
        postalCode: '62701',
        country: 'US',
      },
    },
    acceptedDisclosures: [],
  });
}

function spawnService(entry: string, env: NodeJS.ProcessEnv): ChildProcess {
  // BENCH_NODE_ARGS="--cpu-prof --cpu-prof-dir=DIR" profiles both services.
  const child = spawn(process.execPath, [...benchNodeArgs(), join(ROOT, 'dist', entry)], {
    env,
    stdio: ['ignore', 'ignore', 'inherit'],
  });
  child.on('exit', (code) => {
    if (code !== null && code !== 0) console.error(`${entry} exited with ${code}`);
  });
  return child;
}

async function waitReady(url: string): Promise<void> {
  const deadline = Date.now() + 60_000;
  while (Date.now() < deadline) {
    try {
      if ((await fetch(`${url}/health/ready`)).ok) return;
    } catch {
      // not listening yet
    }
    await new Promise((r) => setTimeout(r, 250));
  }
  throw new Error(`${url} not ready`);
}

async function form(url: string, params: Record<string, string>, basic: string) {
  const res = await fetch(url, {
    method: 'POST',
    headers: {
      authorization: `Basic ${basic}`,
      'content-type': 'application/x-www-form-urlencoded',
    },
    body: new URLSearchParams(params).toString(),
  });
  return { status: res.status, body: (await res.json()) as Record<string, unknown> };
}

const basicOf = (id: string, secret: string) =>
  Buffer.from(`${encodeURIComponent(id)}:${encodeURIComponent(secret)}`).toString('base64');

/** Sequential timings of `fn`, in milliseconds. */
async function timings(n: number, fn: (i: number) => Promise<unknown>): Promise<number[]> {
  const out: number[] = [];
  for (let i = 0; i < n; i++) {
    const start = performance.now();
    await fn(i);
    out.push(performance.now() - start);
  }
  return out;
}

/** Operations per second of `fn` with `concurrency` in flight for `seconds`. */
async function throughput(seconds: number, concurrency: number, fn: () => Promise<unknown>) {
  const end = performance.now() + seconds * 1000;
  let done = 0;
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (performance.now() < end) {
        await fn();
        done++;
      }
    }),
  );
  return done / seconds;
}

interface RunResult {
  /** One request at a time: the cost of one registration / login, without queueing. */
  registrationSerialMs: number;
  loginSerialMs: number;
  registrationsPerSecond: number;
  registrationP50Ms: number;
  registrationP99Ms: number;
  loginsPerSecond: number;
  loginP50Ms: number;
  loginP99Ms: number;
  hashMs: number;
  verifyMs: number;
  hashesPerSecond: number;
  verifiesPerSecond: number;
  unknownLoginFailureMs: number;
  wrongPasswordFailureMs: number;
  non2xx: number;
}

async function main(): Promise<void> {
  let pg: EmbeddedDatabase | undefined;
  let pgDir: string | undefined;
  let baseUrl = process.env.DATABASE_URL;
  if (!baseUrl) {
    pgDir = benchClusterDir('bench-customer-pg-');
    // persistent: true keeps fsync on, as a real database would run.
    pg = await startEmbeddedPostgres({ dir: pgDir, persistent: true, log: collectStatements });
    baseUrl = pg.url;
  }
  const dbName = `bench_customer_${randomBytes(4).toString('hex')}`;
  const admin = new Client({ connectionString: baseUrl });
  await admin.connect();
  await admin.query(`CREATE DATABASE "${dbName}"`);
  const dbUrl = new URL(baseUrl);
  dbUrl.pathname = `/${dbName}`;

  const authPort = await freePort();
  const customerPort = await freePort();
  const authUrl = `http://127.0.0.1:${authPort}`;
  const customerUrl = `http://127.0.0.1:${customerPort}`;
  const adminSecret = randomBytes(32).toString('base64url');
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    NODE_ENV: 'production',
    LOG_LEVEL: 'info',
    DATABASE_URL: dbUrl.toString(),
    AUTH_ISSUER: authUrl,
    AUTH_PORT: String(authPort),
    CUSTOMER_PORT: String(customerPort),
    CUSTOMER_SERVICE_URL: customerUrl,
    CLIENT_SECRET_PEPPER: randomBytes(32).toString('base64url'),
    KEY_ENCRYPTION_KEY: randomBytes(32).toString('base64url'),
    SSN_ENCRYPTION_KEY: randomBytes(32).toString('base64url'),
    ADMIN_CLIENT_ID: 'platform-admin',
    ADMIN_CLIENT_SECRET: adminSecret,
    // The load comes from one address and one client; throttling is not what is measured.
    REGISTRATION_LIMIT_PER_CLIENT: '1000000000',
    REGISTRATION_LIMIT_PER_ADDRESS: '1000000000',
    // The failed-login timing phase sends many wrong passwords from one address: measured, not
    // throttled (a throttled answer would skip the hash and time nothing).
    PASSWORD_FAILURE_LIMIT: '1000000000',
    PASSWORD_FAILURE_CLIENT_LIMIT: '1000000000',
  };
  const children = [spawnService('apps/auth-server/src/main.js', env)];
  const results: RunResult[] = [];
  try {
    // The auth-server first: the customer-service reads its JWKS at start, and a key published
    // after that read would be learnt only on a later refetch.
    await waitReady(authUrl);
    children.push(spawnService('apps/customer-service/src/main.js', env));
    await waitReady(customerUrl);
    const tokenUrl = `${authUrl}/oauth2/v1/token`;
    const adminToken = (
      await form(
        tokenUrl,
        { grant_type: 'client_credentials', scope: 'clients:admin' },
        basicOf('platform-admin', adminSecret),
      )
    ).body.access_token as string;
    const created = (await (
      await fetch(`${authUrl}/admin/v1/clients`, {
        method: 'POST',
        headers: { authorization: `Bearer ${adminToken}`, 'content-type': 'application/json' },
        body: JSON.stringify({
          institutionId: 'bench-fi',
          name: 'bench app',
          scopes: ['customers:write', 'profile:read', 'profile:write'],
          grantTypes: ['client_credentials', 'password', 'refresh_token'],
        }),
      })
    ).json()) as { clientId: string; clientSecret: string };
    const basic = basicOf(created.clientId, created.clientSecret);
    const appToken = (
      await form(tokenUrl, { grant_type: 'client_credentials', scope: 'customers:write' }, basic)
    ).body.access_token as string;

    const registered: string[] = [];
    const register = async () => {
      const loginId = newLoginId();
      const res = await fetch(`${customerUrl}/customers/v2/registrations`, {
        method: 'POST',
        headers: { authorization: `Bearer ${appToken}`, 'content-type': 'application/json' },
        body: registration(loginId),
      });
      if (res.status !== 201) throw new Error(`registration: ${res.status} ${await res.text()}`);
      registered.push(loginId);
    };
    // Warm-up: JIT, connection pools, the argon2 memory.
    for (let i = 0; i < 20; i++) await register();
    for (let i = 0; i < 20; i++)
      await form(
        tokenUrl,
        { grant_type: 'password', username: registered[i]!, password: PASSWORD },
        basic,
      );

    if (COUNT_STATEMENTS && pg) {
      const before = registered.length;
      const registrations = await statementsPer(admin, 20, () => register());
      const login = (i: number) =>
        form(
          tokenUrl,
          { grant_type: 'password', username: registered[before + i]!, password: PASSWORD },
          basic,
        );
      // A first login activates the customer (audited); the load phase logs in again.
      const firstLogins = await statementsPer(admin, 20, login);
      const logins = await statementsPer(admin, 20, login);
      console.log(
        JSON.stringify({ statementsPerOperation: { registrations, firstLogins, logins } }, null, 2),
      );
    }

    for (let run = 1; run <= RUNS; run++) {
      console.log(`run ${run}/${RUNS}: one at a time...`);
      const registrationSerialMs = median(await timings(30, () => register()));
      const loginSerialMs = median(
        await timings(30, (i) =>
          form(
            tokenUrl,
            { grant_type: 'password', username: registered[i]!, password: PASSWORD },
            basic,
          ),
        ),
      );

      console.log(`run ${run}/${RUNS}: registrations...`);
      const reg = await autocannon({
        url: `${customerUrl}/customers/v2/registrations`,
        connections: CONNECTIONS,
        duration: SECONDS,
        requests: [
          {
            method: 'POST',
            headers: { authorization: `Bearer ${appToken}`, 'content-type': 'application/json' },
            setupRequest: (req) => ({ ...req, body: registration(newLoginId()) }),
            // Only customers that exist are used to log in afterwards.
            onResponse: (status, body) => {
              if (status === 201)
                registered.push((JSON.parse(body) as { loginId: string }).loginId);
            },
          },
        ],
      });

      console.log(`run ${run}/${RUNS}: password-grant logins...`);
      // Each wrong-password timing below uses a customer of its own, apart from these.
      const loginPool = registered.slice(0, Math.max(20, registered.length - 60));
      let next = 0;
      const login = await autocannon({
        url: tokenUrl,
        connections: CONNECTIONS,
        duration: SECONDS,
        requests: [
          {
            method: 'POST',
            headers: {
              authorization: `Basic ${basic}`,
              'content-type': 'application/x-www-form-urlencoded',
            },
            setupRequest: (req) => ({
              ...req,
              body: new URLSearchParams({
                grant_type: 'password',
                username: loginPool[next++ % loginPool.length]!,
                password: PASSWORD,
              }).toString(),
            }),
          },
        ],
      });

      console.log(`run ${run}/${RUNS}: failed-login timing, unknown loginId vs wrong password...`);
      // Alternated, so load drifts hit both alike; each known customer fails once (no lock).
      const unknown: number[] = [];
      const wrong: number[] = [];
      for (let i = 0; i < 60; i++) {
        const [u] = await timings(1, () =>
          form(
            tokenUrl,
            {
              grant_type: 'password',
              username: `nobody-${run}-${i}`,
              password: 'wrong password!!',
            },
            basic,
          ),
        );
        const [w] = await timings(1, () =>
          form(
            tokenUrl,
            {
              grant_type: 'password',
              username: registered[registered.length - 1 - i]!,
              password: 'wrong password!!',
            },
            basic,
          ),
        );
        unknown.push(u!);
        wrong.push(w!);
      }

      console.log(`run ${run}/${RUNS}: argon2id alone...`);
      const sample = await hash(PASSWORD, ARGON2);
      const hashMs = median(await timings(30, () => hash(PASSWORD, ARGON2)));
      const verifyMs = median(await timings(30, () => verify(sample, PASSWORD)));
      const hashesPerSecond = await throughput(5, HASH_CONCURRENCY, () => hash(PASSWORD, ARGON2));
      const verifiesPerSecond = await throughput(5, HASH_CONCURRENCY, () =>
        verify(sample, PASSWORD),
      );

      results.push({
        registrationSerialMs,
        loginSerialMs,
        registrationsPerSecond: reg['2xx'] / SECONDS,
        registrationP50Ms: reg.latency.p50,
        registrationP99Ms: reg.latency.p99,
        loginsPerSecond: login['2xx'] / SECONDS,
        loginP50Ms: login.latency.p50,
        loginP99Ms: login.latency.p99,
        hashMs,
        verifyMs,
        hashesPerSecond,
        verifiesPerSecond,
        unknownLoginFailureMs: median(unknown),
        wrongPasswordFailureMs: median(wrong),
        non2xx: reg.non2xx + login.non2xx + reg.errors + login.errors,
      });
      console.log(JSON.stringify(results.at(-1)));
    }
  } finally {
    for (const child of children) child.kill('SIGTERM');
    await Promise.all(
      children.map((c) => new Promise((r) => (c.exitCode !== null ? r(null) : c.once('exit', r)))),
    );
    await admin.query(`DROP DATABASE IF EXISTS "${dbName}" WITH (FORCE)`).catch(() => undefined);
    await admin.end();
    await pg?.stop();
    if (pgDir) removeClusterDir(pgDir);
  }

  const m = (k: keyof RunResult) => median(results.map((r) => r[k]));
  const summary = {
    machine: `${cpus()[0]?.model ?? 'unknown CPU'}, ${cpus().length} logical CPUs`,
    loadAverage: loadavg()
      .map((l) => l.toFixed(2))
      .join(' '),
    runs: RUNS,
    secondsPerPhase: SECONDS,
    connections: CONNECTIONS,
    argon2: ARGON2,
    medians: Object.fromEntries(
      (Object.keys(results[0]!) as (keyof RunResult)[]).map((k) => [k, Number(m(k).toFixed(2))]),
    ),
    ratios: {
      registrationsPerHashCapacity: Number(
        (m('registrationsPerSecond') / m('hashesPerSecond')).toFixed(3),
      ),
      loginsPerVerifyCapacity: Number((m('loginsPerSecond') / m('verifiesPerSecond')).toFixed(3)),
      hashShareOfRegistration: Number((m('hashMs') / m('registrationSerialMs')).toFixed(3)),
      verifyShareOfLogin: Number((m('verifyMs') / m('loginSerialMs')).toFixed(3)),
    },
    runsDetail: results,
  };
  console.log(JSON.stringify(summary, null, 2));
  const dir = join(ROOT, 'bench/results');
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, `customer-${Date.now()}.json`), JSON.stringify(summary, null, 2));
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});

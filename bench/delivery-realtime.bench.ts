/**
 * `npm run bench:delivery-realtime -- [--seconds 20] [--rate 2000] [--subs 10]
 *   [--fanout-seconds 10] [--fanout-rate 500] [--fanout-subs 100]` (BENCH_SECONDS sets --seconds)
 *
 * Realtime webhook delivery lag, end to end: the auth-server and the activity-service run as
 * spawned production builds (dist/, NODE_ENV=production, default delivery settings except
 * DELIVERY_ALLOW_PRIVATE_TARGETS=true for the loopback receiver) on real PostgreSQL
 * (DATABASE_URL, else a throwaway embedded cluster). An in-process HTTP receiver on loopback
 * answers 200 to every webhook. Events of one FI are ingested through POST .../batch with the
 * internal ingest token, paced in 10 batches a second; for every event the lag is the time from
 * its batch's 202 acknowledgement to the receiver's 200 answer of the webhook carrying it
 * (matched by guid, per subscription). Two phases:
 *   (a) `--subs` realtime subscriptions while ingesting `--rate` events/s for `--seconds`;
 *   (b) fan-out: `--fanout-subs` subscriptions, `--fanout-rate` events/s for `--fanout-seconds`.
 * Each phase waits for its deliveries up to 60 s after its ingest ends. Target: p95 < 2 s.
 * Results print as Markdown and go to bench/results/ as JSON.
 */
import { randomBytes, randomUUID } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import { mkdirSync, writeFileSync } from 'node:fs';
import type { AddressInfo } from 'node:net';

import { join, resolve } from 'node:path';
import { performance } from 'node:perf_hooks';
import { Client } from 'pg';
import {
  freePort,
  startEmbeddedPostgres,
  type EmbeddedDatabase,
} from '../scripts/embedded-postgres';
import { prepareActivitySchema } from '../scripts/seed-activity';
import { benchClusterDir, machine, removeClusterDir, spawnNode, stop, waitFor } from './support';

const ROOT = resolve(__dirname, '../..');
const DAY = 86_400_000;
const ACTIVITIES = '/data-apis/v1/banking-activities';
const SUB_SCOPES = 'banking-activities:read account:read banking-activities:deliveries';
const TICKS_PER_SECOND = 10;
const DRAIN_MS = 60_000;

function options() {
  const args = process.argv.slice(2);
  const flag = (name: string) => {
    const i = args.indexOf(`--${name}`);
    return i >= 0 ? args[i + 1] : undefined;
  };
  return {
    seconds: Number(flag('seconds') ?? process.env.BENCH_SECONDS ?? 20),
    rate: Number(flag('rate') ?? 2000),
    subs: Number(flag('subs') ?? 10),
    fanoutSeconds: Number(flag('fanout-seconds') ?? 10),
    fanoutRate: Number(flag('fanout-rate') ?? 500),
    fanoutSubs: Number(flag('fanout-subs') ?? 100),
  };
}

/** Receives webhooks; for each subscription path, when each guid was answered 200. */
class Receiver {
  readonly answeredAt = new Map<string, Map<string, number>>();
  webhooks = 0;
  private server!: Server;
  url = '';

  async start(): Promise<void> {
    this.server = createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        const path = req.url ?? '/';
        const body = JSON.parse(Buffer.concat(chunks).toString('utf8')) as {
          bankingActivities?: { guid: string }[];
        };
        res.once('finish', () => {
          const at = performance.now();
          this.webhooks++;
          let seen = this.answeredAt.get(path);
          if (!seen) this.answeredAt.set(path, (seen = new Map()));
          for (const e of body.bankingActivities ?? []) if (!seen.has(e.guid)) seen.set(e.guid, at);
        });
        res.writeHead(200);
        res.end();
      });
    });
    await new Promise<void>((r) => this.server.listen(0, '127.0.0.1', r));
    this.url = `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
  }

  async close(): Promise<void> {
    this.server.closeAllConnections();
    await new Promise<void>((r) => this.server.close(() => r()));
  }
}

async function form(authUrl: string, user: string, pass: string, body: Record<string, string>) {
  const res = await fetch(`${authUrl}/oauth2/v1/token`, {
    method: 'POST',
    headers: {
      'content-type': 'application/x-www-form-urlencoded',
      authorization: `Basic ${Buffer.from(`${user}:${pass}`).toString('base64')}`,
    },
    body: new URLSearchParams(body).toString(),
  });
  if (!res.ok) throw new Error(`token: ${res.status} ${await res.text()}`);
  return ((await res.json()) as { access_token: string }).access_token;
}

/** A token of a new client of `fi` with `scopes`, created through the admin API. */
async function fiToken(authUrl: string, admin: { id: string; secret: string }, fi: string) {
  const adminToken = await form(authUrl, admin.id, admin.secret, {
    grant_type: 'client_credentials',
    scope: 'clients:admin',
  });
  const res = await fetch(`${authUrl}/admin/v1/clients`, {
    method: 'POST',
    headers: { authorization: `Bearer ${adminToken}`, 'content-type': 'application/json' },
    body: JSON.stringify({
      institutionId: fi,
      name: 'bench',
      scopes: SUB_SCOPES.split(' '),
      grantTypes: ['client_credentials'],
    }),
  });
  const client = (await res.json()) as { clientId: string; clientSecret: string };
  return form(authUrl, client.clientId, client.clientSecret, {
    grant_type: 'client_credentials',
    scope: SUB_SCOPES,
  });
}

function makeEvents(fi: string, n: number): { guid: string }[] {
  const now = Date.now();
  return Array.from({ length: n }, (_, i) => {
    const u = Math.floor(Math.random() * 10_000);
    return {
      guid: randomUUID(),
      eventId: i % 3 === 0 ? 'transferCreated' : 'loginSuccess',
      timeStamp: new Date(now - (i % 60) * 1000).toISOString(),
      institutionId: fi,
      userType: 'retail',
      loginId: `user${u}`,
      customerId: `00000000-0000-4000-8000-${u.toString(16).padStart(12, '0')}`,
      institutionCustomerId: null,
      accountType: null,
      channel: 'mobile',
      ipAddress: '198.51.100.7',
      attributes:
        i % 3 === 0
          ? { transferId: `T${i}`, amount: 125.5, currency: 'USD', transferType: 'internal' }
          : { clientId: 'mobile-app' },
    };
  });
}

const pct = (sorted: number[], p: number) =>
  sorted.length
    ? sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)]!
    : NaN;

interface PhaseResult {
  name: string;
  subscriptions: number;
  eventsPerSecondTarget: number;
  eventsPerSecondIngested: number;
  seconds: number;
  events: number;
  expected: number;
  delivered: number;
  webhooks: number;
  ingestAckP50Ms: number;
  lagP50Ms: number;
  lagP95Ms: number;
  lagMaxMs: number;
  drainSeconds: number;
}

async function phase(
  name: string,
  activityUrl: string,
  ingestToken: string,
  subToken: string,
  fi: string,
  rx: Receiver,
  subs: number,
  rate: number,
  seconds: number,
): Promise<PhaseResult> {
  const paths: string[] = [];
  const ids: string[] = [];
  for (let s = 0; s < subs; s++) {
    const path = `/${name}/${s}`;
    const res = await fetch(`${activityUrl}${ACTIVITIES}/subscriptions`, {
      method: 'POST',
      headers: { authorization: `Bearer ${subToken}`, 'content-type': 'application/json' },
      body: JSON.stringify({
        name: path,
        cadence: 'realtime',
        destination: { type: 'webhook', url: rx.url + path },
      }),
    });
    if (res.status !== 201) throw new Error(`subscription: ${res.status} ${await res.text()}`);
    paths.push(path);
    ids.push(((await res.json()) as { subscriptionId: string }).subscriptionId);
  }
  // Let every replica's batcher see the new subscriptions before the clock starts.
  await new Promise((r) => setTimeout(r, 2000));
  const webhooksBefore = rx.webhooks;

  const perTick = Math.round(rate / TICKS_PER_SECOND);
  const ticks = seconds * TICKS_PER_SECOND;
  const bodies = Array.from({ length: ticks }, () => {
    const events = makeEvents(fi, perTick);
    return { guids: events.map((e) => e.guid), body: JSON.stringify({ events }) };
  });
  const ackedAt = new Map<string, number>();
  const ackMs: number[] = [];
  const inflight: Promise<void>[] = [];
  const started = performance.now();
  for (let t = 0; t < ticks; t++) {
    const due = started + (t * 1000) / TICKS_PER_SECOND;
    const wait = due - performance.now();
    if (wait > 0) await new Promise((r) => setTimeout(r, wait));
    const { guids, body } = bodies[t]!;
    const sent = performance.now();
    inflight.push(
      fetch(`${activityUrl}${ACTIVITIES}/batch`, {
        method: 'POST',
        headers: { authorization: `Bearer ${ingestToken}`, 'content-type': 'application/json' },
        body,
      }).then(async (res) => {
        const at = performance.now();
        await res.arrayBuffer();
        if (res.status !== 202) throw new Error(`ingest: ${res.status}`);
        ackMs.push(at - sent);
        for (const g of guids) ackedAt.set(g, at);
      }),
    );
  }
  await Promise.all(inflight);
  const ingestSeconds = (performance.now() - started) / 1000;
  const expected = ackedAt.size * subs;
  const count = () =>
    paths.reduce(
      (n, p) => n + [...(rx.answeredAt.get(p)?.keys() ?? [])].filter((g) => ackedAt.has(g)).length,
      0,
    );
  const drainStart = performance.now();
  while (performance.now() - drainStart < DRAIN_MS && count() < expected) {
    await new Promise((r) => setTimeout(r, 250));
  }
  const lags: number[] = [];
  for (const p of paths) {
    const seen = rx.answeredAt.get(p);
    if (!seen) continue;
    for (const [g, at] of seen) {
      const acked = ackedAt.get(g);
      if (acked !== undefined) lags.push(at - acked);
    }
  }
  // The next phase measures its own subscriptions only.
  for (const id of ids) {
    await fetch(`${activityUrl}${ACTIVITIES}/subscriptions/${id}`, {
      method: 'DELETE',
      headers: { authorization: `Bearer ${subToken}` },
    });
  }
  lags.sort((a, b) => a - b);
  ackMs.sort((a, b) => a - b);
  return {
    name,
    subscriptions: subs,
    eventsPerSecondTarget: rate,
    eventsPerSecondIngested: Math.round(ackedAt.size / ingestSeconds),
    seconds: Number(ingestSeconds.toFixed(1)),
    events: ackedAt.size,
    expected,
    delivered: lags.length,
    webhooks: rx.webhooks - webhooksBefore,
    ingestAckP50Ms: Math.round(pct(ackMs, 50)),
    lagP50Ms: Math.round(pct(lags, 50)),
    lagP95Ms: Math.round(pct(lags, 95)),
    lagMaxMs: Math.round(lags.at(-1) ?? NaN),
    drainSeconds: Number(((performance.now() - drainStart) / 1000).toFixed(1)),
  };
}

async function main(): Promise<void> {
  const o = options();
  const before = machine();
  console.log(`realtime delivery lag benchmark: ${JSON.stringify(o)}; ${before}`);

  let embedded: EmbeddedDatabase | undefined;
  let baseUrl = process.env.DATABASE_URL;
  const dataDir = benchClusterDir('delivery-realtime-bench-');
  if (!baseUrl) {
    embedded = await startEmbeddedPostgres({
      dir: dataDir,
      port: await freePort(),
      persistent: false,
    });
    baseUrl = embedded.url;
  }
  const dbUrl = new URL(baseUrl);
  dbUrl.pathname = '/delivery_realtime_bench';
  const children: ReturnType<typeof spawnNode>[] = [];
  const rx = new Receiver();
  await rx.start();
  try {
    const admin = new Client({ connectionString: baseUrl });
    await admin.connect();
    await admin.query('DROP DATABASE IF EXISTS delivery_realtime_bench WITH (FORCE)');
    await admin.query('CREATE DATABASE delivery_realtime_bench');
    await admin.end();
    const now = Date.now();
    await prepareActivitySchema(dbUrl.toString(), new Date(now - 3 * DAY), new Date(now + 3 * DAY));

    const adminCreds = { id: 'bench-admin', secret: randomBytes(32).toString('base64url') };
    const internalSecret = randomBytes(32).toString('base64url');
    const env = {
      ...process.env,
      NODE_ENV: 'production',
      LOG_LEVEL: 'warn',
      HOST: '127.0.0.1',
      DATABASE_URL: dbUrl.toString(),
      CLIENT_SECRET_PEPPER: randomBytes(32).toString('base64url'),
      KEY_ENCRYPTION_KEY: randomBytes(32).toString('base64url'),
      ADMIN_CLIENT_ID: adminCreds.id,
      ADMIN_CLIENT_SECRET: adminCreds.secret,
      CUSTOMER_SERVICE_CLIENT_SECRET: internalSecret,
      ACTIVITY_PAGE_TOKEN_KEY: randomBytes(32).toString('base64url'),
      DELIVERY_SECRET_KEY: randomBytes(32).toString('base64url'),
      ACTIVITY_DELIVERY_KEY_ENCRYPTION_KEY: randomBytes(32).toString('base64url'),
      DELIVERY_ALLOW_PRIVATE_TARGETS: 'true',
    };
    const authPort = await freePort();
    const issuer = `http://127.0.0.1:${authPort}`;
    children.push(
      spawnNode(join(ROOT, 'dist/apps/auth-server/src/main.js'), [], {
        ...env,
        AUTH_ISSUER: issuer,
        AUTH_PORT: String(authPort),
      }),
    );
    await waitFor(`${issuer}/health/ready`);
    const activityPort = await freePort();
    const activityUrl = `http://127.0.0.1:${activityPort}`;
    children.push(
      spawnNode(join(ROOT, 'dist/apps/activity-service/src/main.js'), [], {
        ...env,
        AUTH_ISSUER: issuer,
        AUTH_INTERNAL_URL: issuer,
        ACTIVITY_PORT: String(activityPort),
      }),
    );
    await waitFor(`${activityUrl}/health/ready`);

    const ingestToken = await form(issuer, 'customer-service', internalSecret, {
      grant_type: 'client_credentials',
      scope: 'internal:events:write',
    });
    const fi = 'bench-rt-fi';
    const subToken = await fiToken(issuer, adminCreds, fi);
    // Warm-up: one subscription, a few seconds at a low rate (JIT, pools, the first batches).
    const warm = await phase('warm', activityUrl, ingestToken, subToken, fi, rx, 1, 200, 3);
    console.log(`warm-up: ${JSON.stringify(warm)}`);
    const results: PhaseResult[] = [];
    for (const [name, subs, rate, seconds] of [
      ['realtime', o.subs, o.rate, o.seconds],
      ['fanout', o.fanoutSubs, o.fanoutRate, o.fanoutSeconds],
    ] as const) {
      console.log(`${name}: ${subs} subscriptions, ${rate} events/s for ${seconds} s...`);
      const r = await phase(name, activityUrl, ingestToken, subToken, fi, rx, subs, rate, seconds);
      console.log(`  ${JSON.stringify(r)}`);
      results.push(r);
    }
    const after = machine();
    console.log(
      '\n| phase | subs | events/s (target / ingested) | events | delivered / expected | webhooks | lag p50 | lag p95 | lag max | p95 < 2 s |',
    );
    console.log('|---|---|---|---|---|---|---|---|---|---|');
    for (const r of results) {
      console.log(
        `| ${r.name} | ${r.subscriptions} | ${r.eventsPerSecondTarget} / ${r.eventsPerSecondIngested} | ${r.events.toLocaleString()} | ${r.delivered.toLocaleString()} / ${r.expected.toLocaleString()} | ${r.webhooks.toLocaleString()} | ${r.lagP50Ms} ms | ${r.lagP95Ms} ms | ${r.lagMaxMs} ms | ${r.lagP95Ms < 2000 && r.delivered === r.expected ? 'met' : 'not met'} |`,
      );
    }
    console.log(`machine before: ${before}\nmachine after: ${after}`);
    mkdirSync(join(ROOT, 'bench', 'results'), { recursive: true });
    const file = join(
      ROOT,
      'bench',
      'results',
      `delivery-realtime-${new Date().toISOString().replace(/[:.]/g, '-')}.json`,
    );
    writeFileSync(file, JSON.stringify({ options: o, before, after, warm, results }, null, 2));
    console.log(`results: ${file}`);
  } finally {
    await Promise.all(children.map((c) => stop(c)));
    await rx.close();
    await embedded?.stop();
    removeClusterDir(dataDir);
  }
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});

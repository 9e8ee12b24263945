import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { randomBytes, randomUUID } from 'node:crypto';
import {
  chmodSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  writeFileSync,
} from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { INestApplication } from '@nestjs/common';
import type { Pool } from 'pg';
import { bootstrap } from '@app/common';
import { ActivityServiceModule } from '../../apps/activity-service/src/app.module';
import { FeedNotifier } from '../../apps/activity-service/src/feed/feed.notifier';
import { activityServiceOptions } from '../../apps/activity-service/src/main';
import { AuthServerModule } from '../../apps/auth-server/src/app.module';
import { authServerOptions } from '../../apps/auth-server/src/main';
import { CustomerServiceModule } from '../../apps/customer-service/src/app.module';
import { customerServiceOptions } from '../../apps/customer-service/src/main';
import { freePort } from '../../scripts/embedded-postgres';
import { SANDBOX } from '../../scripts/sandbox';
import { createTestDatabase, testPool, type TestDatabase } from '../support/database';
import { expectRepeatsExplained, receiptOf, type LoggedDelivery } from '../support/webhook-repeats';

/**
 * Two instances of each service on one database, behind nginx running the compose gateway
 * template with two servers per upstream (docker-compose.yml: deploy.replicas 2). Every check
 * below is made through the gateway and/or against each instance directly, to prove that the
 * instance that did not see a write still answers as if it had.
 */

const TEMPLATE = readFileSync(
  join(__dirname, '../../deploy/gateway/default.conf.template'),
  'utf8',
);
const NGINX = ['/usr/sbin/nginx', '/usr/bin/nginx', '/usr/local/sbin/nginx'].find((p) =>
  existsSync(p),
);
const ACTIVITIES = '/data-apis/v1/banking-activities';
const SUBS = `${ACTIVITIES}/subscriptions`;
const FAILED_AUTH_LIMIT = 4;

const render = (vars: Record<string, string>) =>
  TEMPLATE.replace(/\$\{([A-Z0-9_]+)\}/g, (_m, name: string) => {
    if (!(name in vars)) throw new Error(`the gateway template needs ${name}`);
    return vars[name]!;
  });

/** Polls `check` until it returns true or the deadline passes; returns the time it took. */
async function within(what: string, ms: number, check: () => Promise<boolean>): Promise<number> {
  const start = Date.now();
  for (;;) {
    if (await check()) return Date.now() - start;
    if (Date.now() - start > ms) throw new Error(`${what}: not within ${ms} ms`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

const basic = (id: string, secret: string) =>
  `Basic ${Buffer.from(`${id}:${secret}`).toString('base64')}`;

async function tokenAt(
  base: string,
  client: { id: string; secret: string },
  form: Record<string, string> = { grant_type: 'client_credentials' },
): Promise<Response> {
  return fetch(`${base}/oauth2/v1/token`, {
    method: 'POST',
    headers: {
      authorization: basic(client.id, client.secret),
      'content-type': 'application/x-www-form-urlencoded',
    },
    body: new URLSearchParams(form).toString(),
  });
}

async function accessToken(
  base: string,
  client: { id: string; secret: string },
  scope?: string,
): Promise<string> {
  const res = await tokenAt(base, client, {
    grant_type: 'client_credentials',
    ...(scope ? { scope } : {}),
  });
  if (res.status !== 200) throw new Error(`token at ${base}: ${res.status} ${await res.text()}`);
  return ((await res.json()) as { access_token: string }).access_token;
}

const kidOf = (jwt: string) =>
  (JSON.parse(Buffer.from(jwt.split('.')[0]!, 'base64url').toString()) as { kid: string }).kid;

/** A loopback HTTP server that records every request and answers 200, or forwards it. */
class Recorder {
  readonly requests: { path: string; headers: Record<string, unknown>; body: string }[] = [];
  private server!: Server;
  url = '';
  private turn = 0;

  constructor(private readonly forwardTo: string[] = []) {}

  async start(): Promise<void> {
    this.server = createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        const body = Buffer.concat(chunks).toString('utf8');
        this.requests.push({ path: req.url ?? '/', headers: req.headers, body });
        if (this.forwardTo.length === 0) {
          res.writeHead(200).end('ok');
          return;
        }
        // Round robin across the targets, as a load balancer would.
        const target = this.forwardTo[this.turn++ % this.forwardTo.length]!;
        const headers = Object.fromEntries(
          Object.entries(req.headers).filter(
            ([k]) => !['host', 'content-length', 'connection'].includes(k),
          ),
        ) as Record<string, string>;
        fetch(`${target}${req.url}`, { method: req.method, headers, body: body || undefined })
          .then(async (answer) => {
            res.writeHead(answer.status, {
              'content-type': answer.headers.get('content-type') ?? 'text/plain',
            });
            res.end(await answer.text());
          })
          .catch(() => res.writeHead(502).end());
      });
    });
    await new Promise<void>((r) => this.server.listen(0, '127.0.0.1', r));
    this.url = `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
  }

  async close(): Promise<void> {
    this.server?.closeAllConnections();
    await new Promise<void>((r) => (this.server ? this.server.close(() => r()) : r()));
  }
}

describe('Replicas: two instances of each service on one database behind the compose gateway', () => {
  let db: TestDatabase;
  let sql: Pool;
  let nginx: ChildProcess | undefined;
  let gateway: string;
  let gatewayDir: string;
  const apps: INestApplication[] = [];
  const urls = { auth: [] as string[], customer: [] as string[], activity: [] as string[] };
  const activityApps: INestApplication[] = [];
  let outboxProxy: Recorder;
  let receiver: Recorder;
  let env: Record<string, string>;
  const sandbox = { id: SANDBOX.clientId, secret: SANDBOX.clientSecret };
  let admin: { id: string; secret: string };
  let appToken: string;
  let customerId: string;

  beforeAll(async () => {
    if (!NGINX)
      throw new Error('nginx is not installed: .ci/run installs it (apt-get install nginx-light)');
    db = await createTestDatabase('replicas');
    sql = testPool(db.url, 2);
    const port = async () => `http://127.0.0.1:${await freePort()}`;
    for (const kind of ['auth', 'customer', 'activity'] as const)
      urls[kind] = [await port(), await port()];
    const gatewayPort = await freePort();
    gateway = `http://127.0.0.1:${gatewayPort}`;
    receiver = new Recorder();
    await receiver.start();
    // The customer-service's outbox reaches the activity-service through a recorder that
    // balances across both instances: every event it sends is counted.
    outboxProxy = new Recorder(urls.activity);
    await outboxProxy.start();

    const secret = () => randomBytes(32).toString('base64url');
    admin = { id: 'platform-admin', secret: secret() };
    env = {
      NODE_ENV: 'test',
      LOG_LEVEL: 'silent',
      DATABASE_URL: db.url,
      DATABASE_POOL_SIZE: '5',
      // One issuer for all: the gateway's address, as compose's PUBLIC_URL.
      AUTH_ISSUER: gateway,
      REVOCATION_POLL_MS: '500',
      KEY_REFRESH_MS: '1000',
      FAILED_AUTH_LIMIT: String(FAILED_AUTH_LIMIT),
      TRUSTED_PROXIES: '127.0.0.1',
      CLIENT_SECRET_PEPPER: secret(),
      KEY_ENCRYPTION_KEY: secret(),
      SSN_ENCRYPTION_KEY: secret(),
      ACTIVITY_PAGE_TOKEN_KEY: secret(),
      DELIVERY_SECRET_KEY: secret(),
      ACTIVITY_DELIVERY_KEY_ENCRYPTION_KEY: secret(),
      DELIVERY_ALLOW_PRIVATE_TARGETS: 'true',
      DELIVERY_POLL_INTERVAL_MS: '100',
      DELIVERY_TIMEOUT_MS: '2000',
      ADMIN_CLIENT_ID: admin.id,
      ADMIN_CLIENT_SECRET: admin.secret,
      SANDBOX_MODE: 'true',
      SANDBOX_INSTITUTION_ID: SANDBOX.institutionId,
      SANDBOX_CLIENT_ID: SANDBOX.clientId,
      SANDBOX_CLIENT_SECRET: SANDBOX.clientSecret,
      CUSTOMER_SERVICE_CLIENT_ID: 'customer-service',
      CUSTOMER_SERVICE_CLIENT_SECRET: secret(),
      ACTIVITY_SERVICE_CLIENT_SECRET: secret(),
      ACTIVITY_SERVICE_URL: outboxProxy.url,
      OUTBOX_POLL_MS: '200',
    };
    const portOf = (url: string) => Number(new URL(url).port);
    // Instance i of each resource server reads keys and revocations from auth-server i, and
    // auth-server i asks customer-service i for passwords.
    for (const i of [0, 1]) {
      apps.push(
        (
          await bootstrap(AuthServerModule, {
            ...authServerOptions,
            env: {
              ...env,
              AUTH_INTERNAL_URL: urls.auth[i]!,
              CUSTOMER_SERVICE_URL: urls.customer[i]!,
            },
            port: portOf(urls.auth[i]!),
          })
        ).app,
      );
    }
    for (const i of [0, 1]) {
      apps.push(
        (
          await bootstrap(CustomerServiceModule, {
            ...customerServiceOptions,
            env: {
              ...env,
              AUTH_INTERNAL_URL: urls.auth[i]!,
              AUTH_CLIENT_ID: 'customer-service',
              AUTH_CLIENT_SECRET: env.CUSTOMER_SERVICE_CLIENT_SECRET!,
            },
            port: portOf(urls.customer[i]!),
          })
        ).app,
      );
    }
    for (const i of [0, 1]) {
      const app = (
        await bootstrap(ActivityServiceModule, {
          ...activityServiceOptions,
          env: {
            ...env,
            AUTH_INTERNAL_URL: urls.auth[i]!,
            AUTH_CLIENT_ID: 'activity-service',
            AUTH_CLIENT_SECRET: env.ACTIVITY_SERVICE_CLIENT_SECRET!,
          },
          port: portOf(urls.activity[i]!),
        })
      ).app;
      apps.push(app);
      activityApps.push(app);
    }

    // nginx with the compose template: two servers per upstream, one per instance.
    const dir = mkdtempSync(join(tmpdir(), 'replicas-gateway-'));
    gatewayDir = dir;
    chmodSync(dir, 0o755);
    const temps = ['body', 'proxy', 'fastcgi', 'uwsgi', 'scgi'];
    for (const sub of temps) {
      mkdirSync(join(dir, sub));
      chmodSync(join(dir, sub), 0o777);
    }
    const hostPort = (url: string) => url.replace('http://', '');
    writeFileSync(
      join(dir, 'default.conf'),
      render({
        GATEWAY_PORT: `127.0.0.1:${gatewayPort}`,
        AUTH_UPSTREAM: hostPort(urls.auth[0]!),
        AUTH_UPSTREAM_2: hostPort(urls.auth[1]!),
        CUSTOMER_UPSTREAM: hostPort(urls.customer[0]!),
        CUSTOMER_UPSTREAM_2: hostPort(urls.customer[1]!),
        ACTIVITY_UPSTREAM: hostPort(urls.activity[0]!),
        ACTIVITY_UPSTREAM_2: hostPort(urls.activity[1]!),
        // The developer portal is not part of this test: a closed port (nginx resolves no name).
        PORTAL_UPSTREAM: '127.0.0.1:9',
        PORTAL_UPSTREAM_2: '127.0.0.1:9',
      }),
    );
    writeFileSync(
      join(dir, 'nginx.conf'),
      [
        'daemon off;',
        'worker_processes 1;',
        `pid ${dir}/nginx.pid;`,
        `error_log ${dir}/error.log warn;`,
        'events { worker_connections 256; }',
        'http {',
        `  log_format upstream '$upstream_addr $request_uri';`,
        `  access_log ${dir}/access.log upstream;`,
        ...temps.map((t) => `  ${t === 'body' ? 'client_body' : t}_temp_path ${dir}/${t};`),
        `  include ${dir}/default.conf;`,
        '}',
      ].join('\n'),
    );
    const check = spawnSync(NGINX, ['-t', '-c', join(dir, 'nginx.conf'), '-p', dir], {
      encoding: 'utf8',
    });
    if (check.status !== 0) throw new Error(`nginx refused the configuration:\n${check.stderr}`);
    nginx = spawn(NGINX, ['-c', join(dir, 'nginx.conf'), '-p', dir], { stdio: 'ignore' });
    await within('the gateway answers', 10_000, async () =>
      fetch(`${gateway}/health`).then(
        (r) => r.ok,
        () => false,
      ),
    );
    appToken = await accessToken(gateway, sandbox);
  }, 120_000);

  afterAll(async () => {
    if (nginx && nginx.exitCode === null) {
      const exited = new Promise((r) => nginx!.once('exit', r));
      nginx.kill('SIGQUIT');
      await exited;
    }
    for (const app of [...apps].reverse()) await app.close();
    await outboxProxy?.close();
    await receiver?.close();
    await sql?.end();
    await db?.drop();
  }, 60_000);

  const search = (base: string, token: string) =>
    fetch(`${base}${ACTIVITIES}`, {
      method: 'POST',
      headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
      body: JSON.stringify({
        startTime: new Date(Date.now() - 3_600_000).toISOString(),
        endTime: new Date(Date.now() + 60_000).toISOString(),
        eventIds: ['loginSuccess'],
        pageSize: 1,
      }),
    });
  const profile = (base: string, token: string) =>
    fetch(`${base}/customers/v2/customers/${customerId}`, {
      headers: { authorization: `Bearer ${token}` },
    });
  /** Status of a call with `token` on every resource-server instance. */
  const everywhere = async (token: string) => ({
    customer: await Promise.all(urls.customer.map(async (u) => (await profile(u, token)).status)),
    activity: await Promise.all(urls.activity.map(async (u) => (await search(u, token)).status)),
  });
  const ingest = async (base: string, token: string, count: number): Promise<string[]> => {
    const guids = Array.from({ length: count }, () => randomUUID());
    const res = await fetch(`${base}${ACTIVITIES}/batch`, {
      method: 'POST',
      headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
      body: JSON.stringify({
        events: guids.map((guid) => ({
          guid,
          eventId: 'loginSuccess',
          timeStamp: new Date(Date.now() - 60_000).toISOString(),
          userType: 'retail',
          loginId: 'replica2026',
          customerId: randomUUID(),
          channel: 'mobile',
          ipAddress: '203.0.113.7',
          attributes: { clientId: SANDBOX.clientId },
        })),
      }),
    });
    expect(res.status).toBe(202);
    return guids;
  };

  it('replays an idempotent registration on the other instance, and the gateway balances across both', async () => {
    const loginId = `rep${Date.now().toString(36)}`;
    const body = JSON.stringify({
      loginId,
      password: 'violet tractor sings at dawn',
      userType: 'RETAIL',
      person: {
        firstName: 'Ada',
        lastName: 'Walker',
        birthDate: '1990-04-12',
        ssn: '536-22-4785',
        emailAddress: 'ada@example.com',
        phoneNumber: '(202) 555-0143',
        postalAddress: {
          address1: '100 Main Street',
          city: 'Springfield',
          state: 'IL',
          postalCode: '62701',
          country: 'US',
        },
      },
    });
    const key = randomUUID();
    const register = (base: string) =>
      fetch(`${base}/customers/v2/registrations`, {
        method: 'POST',
        headers: {
          authorization: `Bearer ${appToken}`,
          'content-type': 'application/json',
          'idempotency-key': key,
        },
        body,
      });
    const first = await register(urls.customer[0]!);
    expect(first.status).toBe(201);
    const created = (await first.json()) as { customerId: string };
    customerId = created.customerId;
    const replayed = await register(urls.customer[1]!);
    expect(replayed.status).toBe(201);
    expect(replayed.headers.get('idempotent-replayed')).toBe('true');
    expect(((await replayed.json()) as { customerId: string }).customerId).toBe(customerId);
    const rows = await sql.query('SELECT 1 FROM customer.customers WHERE login_id = $1', [loginId]);
    expect(rows.rowCount).toBe(1);

    // The gateway sends requests to both instances of a service (round robin): its access log
    // names the upstream server of each request.
    for (let i = 0; i < 4; i++) {
      const res = await fetch(`${gateway}/customers/v2/customers/${customerId}`, {
        headers: { authorization: `Bearer ${appToken}` },
      });
      expect(res.status).toBe(200);
    }
    await within('both customer-service instances served the gateway', 5_000, async () => {
      const log = readFileSync(join(gatewayDir, 'access.log'), 'utf8')
        .split('\n')
        .filter((l) => l.includes(`/customers/v2/customers/${customerId}`));
      return urls.customer.every((u) => log.some((l) => l.startsWith(u.replace('http://', ''))));
    });
    expect((await everywhere(appToken)).customer).toEqual([200, 200]);
  });

  it("sends each outbox event once though both instances' dispatchers run", async () => {
    const outbox = async () =>
      (
        await sql.query<{ guid: string; dispatched: boolean }>(
          `SELECT payload->>'guid' AS guid, dispatched_at IS NOT NULL AS dispatched
             FROM customer.outbox_events`,
        )
      ).rows;
    await within('the outbox is dispatched', 20_000, async () => {
      const rows = await outbox();
      return rows.length > 0 && rows.every((r) => r.dispatched);
    });
    const sent = new Map<string, number>();
    for (const r of outboxProxy.requests)
      for (const e of (JSON.parse(r.body) as { events: { guid: string }[] }).events)
        sent.set(e.guid, (sent.get(e.guid) ?? 0) + 1);
    const rows = await outbox();
    expect(rows.map((r) => ({ guid: r.guid, sent: sent.get(r.guid) }))).toEqual(
      rows.map((r) => ({ guid: r.guid, sent: 1 })),
    );
    const stored = await sql.query(
      'SELECT 1 FROM activity.events WHERE guid::text = ANY($1::text[])',
      [rows.map((r) => r.guid)],
    );
    expect(stored.rowCount).toBe(rows.length);
  });

  it('refuses a revoked token on every instance of every service within 5 s', async () => {
    const token = await accessToken(gateway, sandbox);
    expect(await everywhere(token)).toEqual({
      customer: [200, 200],
      activity: [expect.any(Number), expect.any(Number)],
    });
    expect((await everywhere(token)).activity.every((s) => s === 200 || s === 204)).toBe(true);
    const revoked = await fetch(`${urls.auth[0]}/oauth2/v1/revoke`, {
      method: 'POST',
      headers: {
        authorization: basic(sandbox.id, sandbox.secret),
        'content-type': 'application/x-www-form-urlencoded',
      },
      body: new URLSearchParams({ token }).toString(),
    });
    expect(revoked.status).toBe(200);
    await within('every instance refuses the revoked token', 5_000, async () => {
      const s = await everywhere(token);
      return [...s.customer, ...s.activity].every((status) => status === 401);
    });
    for (const auth of urls.auth) {
      const introspection = await fetch(`${auth}/oauth2/v1/introspect`, {
        method: 'POST',
        headers: {
          authorization: basic(sandbox.id, sandbox.secret),
          'content-type': 'application/x-www-form-urlencoded',
        },
        body: new URLSearchParams({ token }).toString(),
      });
      expect(((await introspection.json()) as { active: boolean }).active).toBe(false);
    }
  });

  it('rotates the signing key on one instance: both sign with it soon, and every instance accepts the tokens', async () => {
    const before = await accessToken(urls.auth[1]!, sandbox);
    const adminToken = await accessToken(gateway, admin, 'clients:admin');
    const rotated = await fetch(`${urls.auth[0]}/admin/v1/keys/rotate`, {
      method: 'POST',
      headers: { authorization: `Bearer ${adminToken}` },
    });
    expect(rotated.status).toBe(200);
    const { kid, previousKid } = (await rotated.json()) as { kid: string; previousKid: string };
    expect(kid).not.toBe(previousKid);
    expect(kidOf(await accessToken(urls.auth[0]!, sandbox))).toBe(kid);
    await within('the other auth-server signs with the new key', 5_000, async () =>
      urls.auth.every(() => true)
        ? kidOf(await accessToken(urls.auth[1]!, sandbox)) === kid
        : false,
    );
    const ok = (s: { customer: number[]; activity: number[] }) =>
      s.customer.every((x) => x === 200) && s.activity.every((x) => x === 200 || x === 204);
    for (const token of [
      before,
      await accessToken(urls.auth[0]!, sandbox),
      await accessToken(urls.auth[1]!, sandbox),
      await accessToken(gateway, sandbox),
    ])
      expect({ kid: kidOf(token), ok: ok(await everywhere(token)) }).toEqual({
        kid: kidOf(token),
        ok: true,
      });
  });

  it('counts failed client authentication across instances: blocked on both and at the gateway', async () => {
    const created = await fetch(`${gateway}/admin/v1/clients`, {
      method: 'POST',
      headers: {
        authorization: `Bearer ${await accessToken(gateway, admin, 'clients:admin')}`,
        'content-type': 'application/json',
      },
      body: JSON.stringify({
        institutionId: SANDBOX.institutionId,
        name: 'throttled',
        grantTypes: ['client_credentials'],
        scopes: ['banking-activities:read'],
      }),
    });
    expect(created.status).toBe(201);
    const { clientId, clientSecret } = (await created.json()) as {
      clientId: string;
      clientSecret: string;
    };
    const good = { id: clientId, secret: clientSecret };
    const bad = { id: clientId, secret: 'wrong-secret-wrong-secret-wrong-secret' };
    expect((await tokenAt(urls.auth[0]!, good)).status).toBe(200);
    // Fewer failures than the limit on each instance, more than it together.
    const statuses: number[] = [];
    for (const i of [0, 1, 0, 1]) statuses.push((await tokenAt(urls.auth[i]!, bad)).status);
    expect(statuses).toEqual([401, 401, 401, 401]);
    expect([401, 429]).toContain((await tokenAt(urls.auth[1]!, bad)).status);
    await within(
      'the right secret is refused on every instance and the gateway',
      5_000,
      async () => {
        const answers = await Promise.all(
          [...urls.auth, gateway].map(async (base) => (await tokenAt(base, good)).status),
        );
        return answers.every((s) => s === 429);
      },
    );
  });

  it('delivers each ingested event once to a webhook though both instances run delivery', async () => {
    const token = await accessToken(
      gateway,
      sandbox,
      'banking-activities:read account:read banking-activities:deliveries',
    );
    const created = await fetch(`${gateway}${SUBS}`, {
      method: 'POST',
      headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
      body: JSON.stringify({
        name: 'replicas',
        cadence: 'realtime',
        destination: { type: 'webhook', url: `${receiver.url}/hook` },
      }),
    });
    expect(created.status).toBe(201);
    const { subscriptionId } = (await created.json()) as { subscriptionId: string };
    const write = await accessToken(gateway, sandbox, 'banking-activities:write');
    const guids: string[] = [];
    for (let i = 0; i < 6; i++) guids.push(...(await ingest(urls.activity[i % 2]!, write, 3)));

    const hooks = () => receiver.requests.filter((q) => q.path === '/hook');
    const received = (requests = hooks()) => {
      const counts = new Map<string, number>();
      for (const r of requests) {
        const json = JSON.parse(r.body) as { bankingActivities?: { guid: string }[] };
        for (const a of json.bankingActivities ?? [])
          counts.set(a.guid, (counts.get(a.guid) ?? 0) + 1);
      }
      return counts;
    };
    await within('every event reaches the webhook', 20_000, async () =>
      guids.every((g) => received().has(g)),
    );
    // Settled: the delivery log shows nothing left to send, then nothing arrived twice. A send
    // the receiver answered but the dispatcher did not hear back from within DELIVERY_TIMEOUT_MS
    // (this process is the receiver too) comes again: the same webhook-id and body, after an
    // attempt the log shows timed out. Only such a repeat is set aside, as a receiver would.
    let log: LoggedDelivery[] = [];
    await within('no delivery pending', 20_000, async () => {
      const res = await fetch(
        `${urls.activity[1]}${SUBS}/${subscriptionId}/deliveries?pageSize=200`,
        { headers: { authorization: `Bearer ${token}` } },
      );
      log = ((await res.json()) as { deliveries: LoggedDelivery[] }).deliveries;
      return res.status === 200 && log.length > 0 && log.every((d) => d.status === 'delivered');
    });
    const distinct = expectRepeatsExplained(hooks(), receiptOf, log);
    const counts = received(distinct);
    expect(guids.map((g) => ({ g, n: counts.get(g) }))).toEqual(guids.map((g) => ({ g, n: 1 })));
    const ids = distinct.map((r) => String(r.headers['webhook-id']));
    expect(ids.length).toBeGreaterThan(0);
    expect(new Set(ids).size).toBe(ids.length);
    // Each delivery of the log reached the webhook, and nothing else did.
    expect([...ids].sort()).toEqual(log.map((d) => d.deliveryId).sort());
  });

  it('wakes the feed and an SSE stream on the instance that did not ingest', async () => {
    const read = await accessToken(gateway, sandbox, 'banking-activities:read account:read');
    const write = await accessToken(gateway, sandbox, 'banking-activities:write');
    // The other instance's notifier hears the commit (LISTEN/NOTIFY), not only its poll.
    let woken = 0;
    const unsubscribe = activityApps[1]!
      .get(FeedNotifier)
      .subscribe(SANDBOX.institutionId, () => void woken++);
    const abort = new AbortController();
    try {
      const res = await fetch(`${urls.activity[1]}${ACTIVITIES}/stream`, {
        headers: { authorization: `Bearer ${read}`, accept: 'text/event-stream' },
        signal: abort.signal,
      });
      expect(res.status).toBe(200);
      const reader = res.body!.pipeThrough(new TextDecoderStream()).getReader();
      const [guid] = await ingest(urls.activity[0]!, write, 1);
      let text = '';
      // One read outstanding at a time: a read that loses the race to the 200 ms tick stays
      // pending and is raced again next time; a second read() would take the next chunk while
      // the abandoned one, resolving later with the chunk before it, would drop that chunk.
      let pending: ReturnType<typeof reader.read> | undefined;
      const took = await within(
        'the stream on the other instance carries the event',
        5_000,
        async () => {
          const read = (pending ??= reader.read());
          const chunk = await Promise.race([
            read,
            new Promise<undefined>((r) => setTimeout(() => r(undefined), 200)),
          ]);
          if (chunk === undefined) return false;
          pending = undefined;
          text += chunk.value ?? '';
          return text.includes(guid!);
        },
      );
      expect(took).toBeLessThan(5_000);
      expect(woken).toBeGreaterThan(0);
    } finally {
      unsubscribe();
      abort.abort();
    }
  });
});

import { randomBytes, randomUUID } from 'node:crypto';
import { Client } from 'pg';
import { startLocalPlatform, type LocalPlatform } from '../../scripts/local-platform';
import { SANDBOX } from '../../scripts/sandbox';
import {
  STRONG_PASSWORD,
  eventually,
  newLoginId,
  registrationBody,
} from '../support/customer-platform';
import { createTestDatabase, testClient, type TestDatabase } from '../support/database';
import { postForm } from '../support/platform';

interface Sample {
  name: string;
  labels: Record<string, string>;
  value: number;
}

interface Family {
  type: string;
  help: string;
  samples: Sample[];
}

const NAME = /^[a-zA-Z_:][a-zA-Z0-9_:]*$/;
const SAMPLE = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(\{(.*)\})? (\S+)( -?\d+)?$/;
const LABEL = /^([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\\n]|\\[\\"n])*)"(,|$)/;
const TYPES = new Set(['counter', 'gauge', 'histogram', 'summary', 'untyped']);

/**
 * A strict reader of the Prometheus text exposition format (0.0.4): every line is a HELP, a
 * TYPE or a sample of the family declared before it; label values escaped; values numbers.
 * Throws on anything else.
 */
function parsePrometheusText(text: string): Map<string, Family> {
  const families = new Map<string, Family>();
  const familyOf = (sample: string): Family | undefined => {
    for (const suffix of ['', '_bucket', '_sum', '_count', '_total']) {
      if (suffix && !sample.endsWith(suffix)) continue;
      const f = families.get(sample.slice(0, sample.length - suffix.length));
      if (f) return f;
    }
    return undefined;
  };
  if (!text.endsWith('\n')) throw new Error('no final newline');
  for (const line of text.slice(0, -1).split('\n')) {
    if (line === '') continue;
    const meta = /^# (HELP|TYPE) (\S+) (.*)$/.exec(line);
    if (meta) {
      const [, kind, name, rest] = meta as unknown as [string, string, string, string];
      if (!NAME.test(name)) throw new Error(`bad metric name: ${line}`);
      const family = families.get(name) ?? { type: 'untyped', help: '', samples: [] };
      if (kind === 'TYPE') {
        if (!TYPES.has(rest)) throw new Error(`bad type: ${line}`);
        family.type = rest;
      } else family.help = rest;
      families.set(name, family);
      continue;
    }
    if (line.startsWith('#')) continue;
    const m = SAMPLE.exec(line);
    if (!m) throw new Error(`not a sample: ${line}`);
    const labels: Record<string, string> = {};
    let rest = m[3] ?? '';
    while (rest) {
      const l = LABEL.exec(rest);
      if (!l) throw new Error(`bad labels: ${line}`);
      labels[l[1]!] = l[2]!.replace(/\\n/g, '\n').replace(/\\(["\\])/g, '$1');
      rest = rest.slice(l[0].length);
    }
    // Prometheus reads values with Go's ParseFloat: Inf and NaN in any case (prom-client 15
    // writes an empty event-loop histogram's mean as "Nan").
    const special = /^([+-]?)(inf|nan)$/i.exec(m[4]!);
    const value = special
      ? special[2]!.toLowerCase() === 'nan'
        ? NaN
        : special[1] === '-'
          ? -Infinity
          : Infinity
      : Number(m[4]);
    if (Number.isNaN(value) && !special) throw new Error(`bad value: ${line}`);
    const family = familyOf(m[1]!);
    if (!family) throw new Error(`sample without a TYPE: ${line}`);
    family.samples.push({ name: m[1]!, labels, value });
  }
  return families;
}

const sum = (family: Family | undefined, name: string, match: Record<string, string> = {}) =>
  (family?.samples ?? [])
    .filter((s) => s.name === name && Object.entries(match).every(([k, v]) => s.labels[k] === v))
    .reduce((total, s) => total + s.value, 0);

describe('GET /metrics on every service: Prometheus text after real traffic', () => {
  let db: TestDatabase;
  let platform: LocalPlatform;
  const metricsToken = randomBytes(32).toString('base64url');
  /** Holds a subscription's builder lock (the feed-lag check). */
  let holder: Client | undefined;

  beforeAll(async () => {
    db = await createTestDatabase('metrics');
    platform = await startLocalPlatform(db.url, {
      METRICS_TOKEN: metricsToken,
      // The feed-lag subscription's webhook (never called: see below).
      DELIVERY_ALLOW_PRIVATE_TARGETS: 'true',
    });
  });
  afterAll(async () => {
    await holder?.end();
    await platform?.close();
    await db?.drop();
  });

  const scrape = async (url: string) => {
    const res = await fetch(`${url}/metrics`, {
      headers: { authorization: `Bearer ${metricsToken}` },
    });
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toMatch(/^text\/plain; version=0\.0\.4/);
    return parsePrometheusText(await res.text());
  };

  it('counts requests by route template, times them, and reports process, pool and domain figures', async () => {
    const sandbox = { clientId: SANDBOX.clientId, clientSecret: SANDBOX.clientSecret };
    const tokenUrl = `${platform.urls.auth}/oauth2/v1/token`;
    const token = await postForm(
      tokenUrl,
      { grant_type: 'client_credentials' },
      { basic: sandbox },
    );
    expect(token.status).toBe(200);
    const bearer = `Bearer ${token.body.access_token as string}`;
    const wrong = await postForm(tokenUrl, {
      grant_type: 'client_credentials',
      client_id: SANDBOX.clientId,
      client_secret: 'wrong-' + randomUUID(),
    });
    expect(wrong.status).toBe(401);

    // A realtime subscription of the sandbox FI whose dispatcher is held back (the test holds the
    // subscription's builder lock, as another replica building it would): the registration's
    // events below reach the feed and stay unread, so feed_lag_seconds must show their age.
    const deliveries = await postForm(
      tokenUrl,
      {
        grant_type: 'client_credentials',
        scope: 'banking-activities:read account:read banking-activities:deliveries',
      },
      { basic: sandbox },
    );
    const created = await fetch(
      `${platform.urls.activity}/data-apis/v1/banking-activities/subscriptions`,
      {
        method: 'POST',
        headers: {
          authorization: `Bearer ${deliveries.body.access_token as string}`,
          'content-type': 'application/json',
        },
        body: JSON.stringify({
          name: 'feed lag',
          cadence: 'realtime',
          destination: { type: 'webhook', url: 'http://127.0.0.1:9/feed-lag' },
        }),
      },
    );
    expect(created.status).toBe(201);
    const { subscriptionId } = (await created.json()) as { subscriptionId: string };
    holder = await testClient({ connectionString: db.url });
    await holder.query(`SELECT pg_advisory_lock(hashtext('activity:delivery:' || $1::text))`, [
      subscriptionId,
    ]);
    const beforeEvents = Date.now();

    const loginId = newLoginId('metrics');
    const register = await fetch(`${platform.urls.customer}/customers/v2/registrations`, {
      method: 'POST',
      headers: { authorization: bearer, 'content-type': 'application/json' },
      body: JSON.stringify(registrationBody({ loginId, password: STRONG_PASSWORD })),
    });
    expect(register.status).toBe(201);
    const login = await postForm(
      tokenUrl,
      { grant_type: 'password', username: loginId, password: STRONG_PASSWORD },
      { basic: sandbox },
    );
    expect(login.status).toBe(200);
    const badLogin = await postForm(
      tokenUrl,
      { grant_type: 'password', username: loginId, password: 'not the password at all' },
      { basic: sandbox },
    );
    expect(badLogin.status).toBe(400);
    // Two ids under one route template: one series, not two.
    for (const id of [randomUUID(), randomUUID()]) {
      const res = await fetch(
        `${platform.urls.activity}/data-apis/v1/banking-activities/subscriptions/${id}`,
        { headers: { authorization: bearer } },
      );
      expect(res.status).toBeGreaterThanOrEqual(400);
    }
    // The registration's events reach the activity-service through the outbox, a moment later.
    const search = await eventually(async () => {
      const res = await fetch(`${platform.urls.activity}/data-apis/v1/banking-activities`, {
        method: 'POST',
        headers: { authorization: bearer, 'content-type': 'application/json' },
        body: JSON.stringify({
          startTime: new Date(Date.now() - 3_600_000).toISOString(),
          endTime: new Date(Date.now() + 60_000).toISOString(),
        }),
      });
      return res.status === 200 && res;
    }, 'a search that finds the registration events');
    expect(search.status).toBe(200);
    await fetch(`${platform.urls.activity}/no/such/path/${randomUUID()}`);

    const auth = await scrape(platform.urls.auth);
    const customer = await scrape(platform.urls.customer);
    const activity = await scrape(platform.urls.activity);
    const heldFor = (Date.now() - beforeEvents) / 1000;
    await holder.end();
    holder = undefined;

    for (const families of [auth, customer, activity]) {
      expect(families.get('http_requests_total')?.type).toBe('counter');
      expect(families.get('http_request_duration_seconds')?.type).toBe('histogram');
      expect(families.get('nodejs_eventloop_lag_seconds')?.type).toBe('gauge');
      expect(families.get('process_cpu_seconds_total')?.type).toBe('counter');
      const pool = families.get('db_pool_connections');
      expect(pool?.samples.some((s) => s.labels.pool === 'main' && s.labels.state === 'idle')).toBe(
        true,
      );
      // Route templates only: no sample carries a raw URL with an id in it.
      for (const s of families.get('http_requests_total')!.samples) {
        expect(s.labels.route).not.toMatch(/[0-9a-f]{8}-[0-9a-f]{4}-/);
      }
    }
    const requests = (f: Map<string, Family>, labels: Record<string, string>) =>
      sum(f.get('http_requests_total'), 'http_requests_total', labels);
    expect(
      requests(auth, { method: 'POST', route: '/oauth2/v1/token', status: '200' }),
    ).toBeGreaterThanOrEqual(2);
    expect(requests(auth, { method: 'POST', route: '/oauth2/v1/token', status: '401' })).toBe(1);
    expect(
      sum(auth.get('http_request_duration_seconds'), 'http_request_duration_seconds_count', {
        route: '/oauth2/v1/token',
      }),
    ).toBe(
      sum(auth.get('http_requests_total'), 'http_requests_total', { route: '/oauth2/v1/token' }),
    );
    expect(
      requests(customer, { method: 'POST', route: '/customers/v2/registrations', status: '201' }),
    ).toBe(1);
    // The password grant's internal call, counted by the customer-service.
    expect(
      requests(customer, { method: 'POST', route: '/internal/v1/credentials/verify' }),
    ).toBeGreaterThanOrEqual(2);
    expect(
      requests(activity, {
        method: 'GET',
        route: '/data-apis/v1/banking-activities/subscriptions/:id',
      }),
    ).toBe(2);
    expect(requests(activity, { route: '(unmatched)', status: '404' })).toBe(1);

    const issued = auth.get('auth_tokens_issued_total');
    expect(
      sum(issued, 'auth_tokens_issued_total', { grant_type: 'client_credentials' }),
    ).toBeGreaterThanOrEqual(1);
    expect(sum(issued, 'auth_tokens_issued_total', { grant_type: 'password' })).toBe(1);
    const failed = auth.get('auth_failed_authentications_total');
    expect(
      sum(failed, 'auth_failed_authentications_total', { reason: 'client_wrong_secret' }),
    ).toBe(1);
    expect(sum(failed, 'auth_failed_authentications_total', { reason: 'password_invalid' })).toBe(
      1,
    );

    expect(customer.get('outbox_backlog_events')?.samples).toHaveLength(1);
    expect(
      customer.get('outbox_oldest_event_age_seconds')?.samples[0]?.value,
    ).toBeGreaterThanOrEqual(0);
    expect(activity.get('delivery_backlog_deliveries')?.samples[0]?.value).toBe(0);
    expect(activity.get('delivery_lag_seconds')?.samples).toHaveLength(1);
    // The registration's feed batch, unread by the held subscription: older than 0, not older
    // than the events themselves.
    const feedLag = activity.get('feed_lag_seconds');
    expect(feedLag?.type).toBe('gauge');
    expect(feedLag?.help).toMatch(/realtime delivery subscription/);
    expect(feedLag?.samples).toHaveLength(1);
    expect(feedLag!.samples[0]!.value).toBeGreaterThan(0);
    expect(feedLag!.samples[0]!.value).toBeLessThanOrEqual(heldFor);
    // Released, the dispatcher reads the feed and the lag goes back to 0.
    await eventually(async () => {
      const families = await scrape(platform.urls.activity);
      return families.get('feed_lag_seconds')?.samples[0]?.value === 0;
    }, 'feed_lag_seconds back to 0 once the subscription has read the feed');
    expect(
      activity.get('db_pool_connections')?.samples.some((s) => s.labels.pool === 'delivery'),
    ).toBe(true);
  });

  it('asks for METRICS_TOKEN when it is set', async () => {
    for (const url of Object.values(platform.urls)) {
      expect((await fetch(`${url}/metrics`)).status).toBe(401);
      const wrong = await fetch(`${url}/metrics`, {
        headers: { authorization: `Bearer ${randomBytes(32).toString('base64url')}` },
      });
      expect(wrong.status).toBe(401);
    }
  });

  it('rejects what is not the exposition format (the reader above is strict)', () => {
    expect(() => parsePrometheusText('x 1\n')).toThrow('sample without a TYPE');
    expect(() => parsePrometheusText('# TYPE x gauge\nx{a="1} 1\n')).toThrow();
    expect(() => parsePrometheusText('# TYPE x gauge\nx one\n')).toThrow('bad value');
    expect(parsePrometheusText('# TYPE x gauge\nx{a="q\\"b"} 2\n').get('x')?.samples[0]).toEqual({
      name: 'x',
      labels: { a: 'q"b' },
      value: 2,
    });
  });
});

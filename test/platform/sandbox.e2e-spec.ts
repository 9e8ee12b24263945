import { randomUUID } from 'node:crypto';
import {
  FI_SCOPES,
  PLATFORM_INSTITUTION_ID,
  SANDBOX_SAMPLE_PASSWORD,
  SANDBOX_SAMPLE_USERS,
  Scope,
  SecretBox,
  sandboxCustomerId,
} from '@app/common';
import { SignJWT, importPKCS8 } from 'jose';
import type { Pool } from 'pg';
import { startLocalPlatform, type LocalPlatform } from '../../scripts/local-platform';
import { eventually } from '../support/customer-platform';
import { createTestDatabase, testPool, type TestDatabase } from '../support/database';
import { withS } from '../support/forge';
import { clientToken, createClient, postForm, type Credentials } from '../support/platform';

const SANDBOX_ROUTE = '/internal/v1/sandbox/institutions';
const ACTIVITIES = '/data-apis/v1/banking-activities';
const ONE = `sbx-e2e-${randomUUID().slice(0, 8)}`;
const TWO = `sbx-e2e-${randomUUID().slice(0, 8)}`;
const LOGIN_IDS = SANDBOX_SAMPLE_USERS.map((u) => u.loginId);

type Service = 'customer' | 'activity';

/**
 * The developer portal's sandbox routes on the whole platform (real auth-server, customer- and
 * activity-service, real PostgreSQL and migrations): seed, seed again, wipe, seed after a wipe,
 * with a second sandbox FI that must not notice any of it, and the callers that are refused.
 */
describe('sandbox FIs: seed and wipe (developer portal, internal routes)', () => {
  let db: TestDatabase;
  let platform: LocalPlatform;
  let sql: Pool;
  /** The portal's token: its client_credentials token with internal:sandbox:admin. */
  let portal: string;
  const apps: Record<string, Credentials> = {};

  const forge = async (claims: Record<string, unknown>, subject: string): Promise<string> => {
    const { rows } = await sql.query<{ kid: string; private_key_sealed: string }>(
      `SELECT kid, private_key_sealed FROM auth.signing_keys WHERE status = 'active'`,
    );
    const pem = SecretBox.fromString(platform.env.KEY_ENCRYPTION_KEY!)
      .open(rows[0]!.private_key_sealed, rows[0]!.kid)
      .toString('utf8');
    const now = Math.floor(Date.now() / 1000);
    const token = await new SignJWT({ jti: randomUUID(), ...claims })
      .setProtectedHeader({ alg: 'ES256', typ: 'at+jwt', kid: rows[0]!.kid })
      .setSubject(subject)
      .setIssuer(platform.urls.auth)
      .setAudience('digital-banking-api')
      .setIssuedAt(now)
      .setExpirationTime(now + 600)
      .sign(await importPKCS8(pem, 'ES256'));
    return withS(token, 'low');
  };

  const call = async (
    service: Service,
    method: string,
    path: string,
    token: string | null,
    body?: unknown,
  ) => {
    const res = await fetch(`${platform.urls[service]}${path}`, {
      method,
      headers: {
        ...(token ? { authorization: `Bearer ${token}` } : {}),
        ...(body !== undefined ? { 'content-type': 'application/json' } : {}),
      },
      ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
    });
    const text = await res.text();
    return {
      status: res.status,
      type: res.headers.get('content-type'),
      body: (text ? JSON.parse(text) : undefined) as Record<string, unknown>,
    };
  };

  const seed = (service: Service, fi: string, body?: unknown, token = portal) =>
    call(service, 'POST', `${SANDBOX_ROUTE}/${fi}/seed`, token, body);
  const wipe = (service: Service, fi: string, token = portal) =>
    call(service, 'DELETE', `${SANDBOX_ROUTE}/${fi}`, token);

  const appToken = (fi: string) => clientToken(platform.urls.auth, apps[fi]!, FI_SCOPES.join(' '));
  const range = () => ({
    startTime: new Date(Date.now() - 8 * 86_400_000).toISOString(),
    endTime: new Date(Date.now() + 60_000).toISOString(),
  });
  const searchSamples = async (fi: string, by: 'loginId' | 'customerId' = 'loginId') =>
    call('activity', 'POST', ACTIVITIES, await appToken(fi), {
      ...range(),
      pageSize: 1000,
      userIdType: by,
      userIds: by === 'loginId' ? LOGIN_IDS : LOGIN_IDS.map((l) => sandboxCustomerId(fi, l)),
    });
  const passwordGrant = (fi: string, username: string, password = SANDBOX_SAMPLE_PASSWORD) =>
    postForm(
      `${platform.urls.auth}/oauth2/v1/token`,
      { grant_type: 'password', username, password },
      { basic: apps[fi]! },
    );

  /** Every row the two services keep for an FI, per table. */
  const footprint = async (fi: string): Promise<Record<string, number>> => {
    const tables = [
      'customer.customers',
      'customer.disclosures',
      'customer.disclosure_acceptances',
      'customer.audit_events',
      'customer.outbox_events',
      'customer.idempotency_records',
      'activity.events',
      'activity.event_guids',
      'activity.feed_log',
      'activity.sandbox_seeds',
      'activity.delivery_subscriptions',
    ];
    const out: Record<string, number> = {};
    for (const t of tables) {
      const { rows } = await sql.query<{ n: number }>(
        `SELECT count(*)::integer AS n FROM ${t} WHERE institution_id = $1`,
        [fi],
      );
      out[t] = rows[0]!.n;
    }
    const { rows } = await sql.query<{ n: number }>(
      `SELECT count(*)::integer AS n FROM customer.credentials c
         JOIN customer.customers k ON k.id = c.customer_id WHERE k.institution_id = $1`,
      [fi],
    );
    out['customer.credentials'] = rows[0]!.n;
    return out;
  };

  /** Every customer event of the FI has been delivered to the activity-service. */
  const outboxDelivered = (fi: string) =>
    eventually(async () => {
      const { rows } = await sql.query<{ n: number }>(
        `SELECT count(*)::integer AS n FROM customer.outbox_events
          WHERE institution_id = $1 AND dispatched_at IS NULL`,
        [fi],
      );
      return rows[0]!.n === 0;
    }, `the outbox to deliver the events of ${fi}`);

  beforeAll(async () => {
    db = await createTestDatabase('sandbox_fis');
    platform = await startLocalPlatform(db.url, {
      // Fast, cheap hashing keeps the suite quick; the benchmark uses the real parameters.
      ARGON2_MEMORY_KIB: '7168',
      ARGON2_ITERATIONS: '1',
    });
    sql = testPool(db.url, 2);
    // The portal's own internal client, as the auth-server ensures it (PORTAL_CLIENT_SECRET).
    portal = await clientToken(
      platform.urls.auth,
      { clientId: 'developer-portal', clientSecret: platform.env.PORTAL_CLIENT_SECRET! },
      Scope.InternalSandboxAdmin,
    );
    for (const fi of [ONE, TWO]) {
      apps[fi] = await createClient(
        platform.urls.auth,
        {
          institutionId: fi,
          scopes: [...FI_SCOPES],
          grantTypes: ['client_credentials', 'password', 'refresh_token'],
        },
        {
          clientId: platform.env.ADMIN_CLIENT_ID!,
          clientSecret: platform.env.ADMIN_CLIENT_SECRET!,
        },
      );
    }
  });

  afterAll(async () => {
    await sql?.end();
    await platform?.close();
    await db?.drop();
  });

  let customerSummary: Record<string, unknown>;
  let activitySummary: Record<string, unknown>;

  it('seeds the customer-service: default disclosures and the sample customers, who can log in with the sample password', async () => {
    const res = await seed('customer', ONE);
    expect(res.status).toBe(201);
    customerSummary = res.body;
    expect(res.body).toEqual({
      institutionId: ONE,
      disclosures: [{ disclosureId: 'e-sign-consent', version: '1', required: false }],
      samplePassword: SANDBOX_SAMPLE_PASSWORD,
      customers: SANDBOX_SAMPLE_USERS.map((u) => ({
        customerId: sandboxCustomerId(ONE, u.loginId),
        loginId: u.loginId,
        userType: u.userType,
        ...(u.institutionCustomerId ? { institutionCustomerId: u.institutionCustomerId } : {}),
      })),
    });

    const grant = await passwordGrant(ONE, 'mia.walker');
    expect(grant.status).toBe(200);
    const me = await call(
      'customer',
      'GET',
      '/customers/v2/customers/me',
      grant.body.access_token as string,
    );
    expect(me.status).toBe(200);
    expect(me.body).toMatchObject({
      customerId: sandboxCustomerId(ONE, 'mia.walker'),
      institutionId: ONE,
      loginId: 'mia.walker',
      userType: 'BUSINESS',
      institutionCustomerId: 'globex-inc',
      userStatus: 'active',
      ssnLast4: expect.stringMatching(/^\d{4}$/),
      acceptedDisclosures: [
        expect.objectContaining({ disclosureId: 'e-sign-consent', version: '1' }),
      ],
    });
    expect((await passwordGrant(ONE, 'mia.walker', 'not the sample password at all')).status).toBe(
      400,
    );

    // Stored as any registration: hashed, sealed, audited, the events in the outbox.
    const { rows } = await sql.query<{ password_hash: string; ssn_sealed: string }>(
      `SELECT c.password_hash, k.ssn_sealed FROM customer.credentials c
         JOIN customer.customers k ON k.id = c.customer_id WHERE k.institution_id = $1`,
      [ONE],
    );
    expect(rows).toHaveLength(SANDBOX_SAMPLE_USERS.length);
    for (const r of rows) {
      expect(r.password_hash).toMatch(/^\$argon2id\$/);
      expect(r.ssn_sealed).not.toMatch(/^\d{9}$/);
    }
    const counts = await footprint(ONE);
    expect(counts['customer.audit_events']).toBeGreaterThanOrEqual(SANDBOX_SAMPLE_USERS.length);
    expect(counts['customer.outbox_events']).toBeGreaterThanOrEqual(
      2 * SANDBOX_SAMPLE_USERS.length,
    );
  });

  it("seeds the activity-service with the roster's activity, which the FI's search finds by login id and by customer id", async () => {
    const res = await seed('activity', ONE, { events: 3000, days: 5 });
    expect(res.status).toBe(201);
    activitySummary = res.body;
    expect(res.body).toMatchObject({
      institutionId: ONE,
      events: 3000,
      users: SANDBOX_SAMPLE_USERS.map((u) =>
        expect.objectContaining({
          loginId: u.loginId,
          customerId: sandboxCustomerId(ONE, u.loginId),
        }),
      ),
    });
    const byLogin = await searchSamples(ONE);
    expect(byLogin.status).toBe(200);
    const items = byLogin.body.bankingActivities as { loginId: string }[];
    expect(items.length).toBeGreaterThan(100);
    expect(new Set(items.map((i) => i.loginId))).toEqual(new Set(LOGIN_IDS));
    const byCustomer = await searchSamples(ONE, 'customerId');
    expect(byCustomer.status).toBe(200);
    expect((byCustomer.body.bankingActivities as unknown[]).length).toBeGreaterThan(100);

    // The second sandbox FI, which the rest must leave alone.
    expect((await seed('customer', TWO)).status).toBe(201);
    expect((await seed('activity', TWO, { events: 1000 })).status).toBe(201);
  });

  it('seeding again changes nothing and answers the same summary, 200', async () => {
    const before = await footprint(ONE);
    // The portal sends an empty JSON object; no body at all is the same.
    const customer = await seed('customer', ONE, {});
    expect(customer.status).toBe(200);
    expect(customer.body).toEqual(customerSummary);
    const activity = await seed('activity', ONE, { events: 50 });
    expect(activity.status).toBe(200);
    expect(activity.body).toEqual(activitySummary);
    const after = await footprint(ONE);
    // The outbox may still be delivering the registrations' events to the activity-service.
    for (const key of Object.keys(before).filter(
      (k) => k !== 'activity.events' && !/guids|feed/.test(k),
    ))
      expect({ key, n: after[key] }).toEqual({ key, n: before[key] });
    expect(after['activity.events']! - before['activity.events']!).toBeLessThanOrEqual(
      3 * SANDBOX_SAMPLE_USERS.length,
    );
  });

  it('wipes both services (subscriptions kept, their backlog dropped), leaves the other sandbox FI alone, and seeds again afterwards', async () => {
    // A delivery subscription with a backlog that held the FI's events.
    const token = await appToken(ONE);
    const sub = await call('activity', 'POST', `${ACTIVITIES}/subscriptions`, token, {
      name: 'reset keeps me',
      cadence: 'hourly',
      destination: { type: 'pull' },
    });
    expect(sub.status).toBe(201);
    const subscriptionId = sub.body.subscriptionId as string;
    await sql.query(`UPDATE activity.delivery_subscriptions SET last_sequence = 2 WHERE id = $1`, [
      subscriptionId,
    ]);
    await sql.query(
      `INSERT INTO activity.deliveries (id, subscription_id, institution_id, sequence, previous_sequence,
         type, count, payload, next_attempt_at)
       VALUES ($1, $2, $3, 1, NULL, 'batch', 5, '{"events":"of the FI"}', now() + interval '1 hour'),
              ($4, $2, $3, 2, 1, 'batch', 7, '{"events":"of the FI"}', now() + interval '1 hour')`,
      [randomUUID(), subscriptionId, ONE, randomUUID()],
    );
    // The registrations' and logins' events have reached the activity-service.
    await outboxDelivered(ONE);
    await outboxDelivered(TWO);
    const other = await footprint(TWO);

    expect((await wipe('customer', ONE)).status).toBe(204);
    expect((await wipe('activity', ONE)).status).toBe(204);

    const gone = await footprint(ONE);
    expect(gone).toEqual({
      'customer.customers': 0,
      'customer.disclosures': 0,
      'customer.disclosure_acceptances': 0,
      'customer.audit_events': 0,
      'customer.outbox_events': 0,
      'customer.idempotency_records': 0,
      'customer.credentials': 0,
      'activity.events': 0,
      'activity.event_guids': 0,
      'activity.feed_log': 0,
      'activity.sandbox_seeds': 0,
      'activity.delivery_subscriptions': 1,
    });
    expect(await footprint(TWO)).toEqual(other);

    const app = await appToken(ONE);
    const profile = await call(
      'customer',
      'GET',
      `/customers/v2/customers/${sandboxCustomerId(ONE, 'olivia.smith')}`,
      app,
    );
    expect(profile.status).toBe(404);
    expect((await call('customer', 'GET', '/customers/v2/disclosures', app)).body).toEqual({
      disclosures: [],
    });
    expect((await passwordGrant(ONE, 'olivia.smith')).status).toBe(400);
    expect((await searchSamples(ONE)).status).toBe(204);
    const whole = await call('activity', 'POST', ACTIVITIES, app, range());
    expect(whole.status).toBe(204);

    // The subscription stays; its backlog was never sent and never will be; sequences go on.
    expect(
      (await call('activity', 'GET', `${ACTIVITIES}/subscriptions/${subscriptionId}`, app)).status,
    ).toBe(200);
    const log = await call(
      'activity',
      'GET',
      `${ACTIVITIES}/subscriptions/${subscriptionId}/deliveries`,
      app,
    );
    expect(log.status).toBe(200);
    const deliveries = (log.body.deliveries ?? log.body.items) as {
      sequence: number;
      status: string;
      attempts: { error: string | null }[];
    }[];
    expect(deliveries.map((d) => [d.sequence, d.status]).sort()).toEqual([
      [1, 'failed'],
      [2, 'failed'],
    ]);
    for (const d of deliveries) expect(d.attempts.at(-1)?.error).toMatch(/sandbox was reset/);
    const { rows } = await sql.query<{ last_sequence: string; payloads: number }>(
      `SELECT s.last_sequence::text,
              (SELECT count(*)::integer FROM activity.deliveries d
                WHERE d.subscription_id = s.id AND d.payload IS NOT NULL) AS payloads
         FROM activity.delivery_subscriptions s WHERE s.id = $1`,
      [subscriptionId],
    );
    expect(rows[0]).toEqual({ last_sequence: '2', payloads: 0 });

    // The other sandbox FI still works as before.
    expect((await passwordGrant(TWO, 'olivia.smith')).status).toBe(200);
    expect((await searchSamples(TWO)).status).toBe(200);

    // A reset is a wipe and a seed: the FI is seeded anew.
    expect((await seed('customer', ONE)).status).toBe(201);
    expect((await seed('activity', ONE, { events: 500 })).status).toBe(201);
    expect((await passwordGrant(ONE, 'olivia.smith')).status).toBe(200);
    const again = await searchSamples(ONE);
    expect(again.status).toBe(200);
    expect((again.body.bankingActivities as unknown[]).length).toBeGreaterThan(50);
  });

  it('a wipe racing a seed leaves the FI seeded or empty, never half of either', async () => {
    const THREE = `sbx-e2e-${randomUUID().slice(0, 8)}`;
    for (let round = 0; round < 3; round++) {
      const answers = await Promise.all([
        seed('customer', THREE),
        wipe('customer', THREE),
        seed('activity', THREE, { events: 2000 }),
        wipe('activity', THREE),
      ]);
      const statuses = answers.map((a) => a.status);
      const seeded = (status: number) => (status === 200 || status === 201 ? 'seed' : status);
      expect([seeded(statuses[0]!), statuses[1], seeded(statuses[2]!), statuses[3]]).toEqual([
        'seed',
        204,
        'seed',
        204,
      ]);
      const rows = await footprint(THREE);
      const customers = rows['customer.customers'];
      expect(customers === 0 || customers === SANDBOX_SAMPLE_USERS.length).toBe(true);
      expect(rows['customer.credentials']).toBe(customers);
      expect(rows['customer.disclosure_acceptances']).toBe(customers);
      expect(rows['customer.disclosures']).toBe(customers ? 1 : 0);
      // The generator's events (the roster never banks through 'api', which the registrations
      // that the outbox delivers do): all of a seed, or none.
      const { rows: generated } = await sql.query<{ n: number; done: number }>(
        `SELECT (SELECT count(*)::integer FROM activity.events
                  WHERE institution_id = $1 AND channel IS DISTINCT FROM 'api') AS n,
                (SELECT count(*)::integer FROM activity.sandbox_seeds
                  WHERE institution_id = $1 AND completed_at IS NOT NULL) AS done`,
        [THREE],
      );
      expect(generated[0]).toEqual(generated[0]!.done ? { n: 2000, done: 1 } : { n: 0, done: 0 });
      expect(rows['activity.sandbox_seeds']).toBe(generated[0]!.done);
    }
  });

  it('refuses an FI that is not a sandbox one (403) and a malformed id (400), in the problem shape', async () => {
    for (const service of ['customer', 'activity'] as const) {
      const prefix = service === 'customer' ? 'CUS' : 'ACTIVITY';
      for (const fi of ['sandbox-fi', PLATFORM_INSTITUTION_ID, 'sbx-']) {
        for (const res of [await seed(service, fi), await wipe(service, fi)]) {
          expect({ service, fi, status: res.status, code: res.body.code, type: res.type }).toEqual({
            service,
            fi,
            status: 403,
            code: `${prefix}_SANDBOX_INSTITUTION_REQUIRED`,
            type: expect.stringContaining('application/problem+json'),
          });
        }
      }
      for (const fi of [`sbx-${'x'.repeat(61)}`, 'sbx-a%20b', 'sbx-%C3%A9']) {
        const res = await seed(service, fi);
        expect({ service, fi, status: res.status, code: res.body.code }).toEqual({
          service,
          fi,
          status: 400,
          code: 'VALIDATION_FAILED',
        });
      }
    }
    const badBody = await seed('activity', TWO, { events: 100_001 });
    expect({ status: badBody.status, code: badBody.body.code }).toEqual({
      status: 400,
      code: 'BAS_10005',
    });
    // Nothing of the sandbox-fi of `npm start` was touched.
    expect(await footprint('sandbox-fi')).toMatchObject({ 'activity.sandbox_seeds': 0 });
  });

  it("refuses every caller but the platform's: no token 401, the FI's own app or a customer 403", async () => {
    const fiApp = await appToken(TWO);
    const customer = (await passwordGrant(TWO, 'liam.johnson')).body.access_token as string;
    // Even an FI token that somehow held the internal scope is not the platform's.
    const forgedFi = await forge(
      { client_id: 'x', institution_id: TWO, scope: Scope.InternalSandboxAdmin },
      'x',
    );
    await outboxDelivered(TWO);
    const before = await footprint(TWO);
    for (const service of ['customer', 'activity'] as const) {
      expect((await seed(service, TWO, undefined, '')).status).toBe(401);
      for (const token of [fiApp, customer, forgedFi]) {
        for (const res of [
          await seed(service, TWO, undefined, token),
          await wipe(service, TWO, token),
        ])
          expect({ service, status: res.status }).toEqual({ service, status: 403 });
      }
    }
    expect(await footprint(TWO)).toEqual(before);
  });
});

import { HousekeepingJob } from '../../apps/customer-service/src/housekeeping/housekeeping.job';
import { OutboxDispatcher } from '../../apps/customer-service/src/outbox/outbox.dispatcher';
import { freePort } from '../../scripts/embedded-postgres';
import { ActivityStub } from '../support/customer-activity-stub';
import {
  api,
  appToken,
  eventually,
  passwordGrant,
  registrationBody,
  startCustomerPlatform,
  startCustomerReplica,
  type CustomerPlatform,
} from '../support/customer-platform';
import type { RunningApp } from '../support/platform';

interface OutboxRow {
  id: string;
  event_id: string;
  attempts: number;
  dispatched_at: Date | null;
  dead_at: Date | null;
  last_error: string | null;
}

describe('customer-service: activity events through the outbox', () => {
  let p: CustomerPlatform;
  let stub: ActivityStub;
  let token: string;

  beforeAll(async () => {
    const stubPort = await freePort();
    p = await startCustomerPlatform('cus_outbox', {
      ACTIVITY_SERVICE_URL: `http://127.0.0.1:${stubPort}`,
      OUTBOX_POLL_MS: '100',
      OUTBOX_RETRY_BASE_MS: '50',
      OUTBOX_RETRY_MAX_MS: '400',
      REGISTRATION_LIMIT_PER_ADDRESS: '100000',
    });
    // Built but not started: the activity-service is down at first.
    stub = new ActivityStub(stubPort, p.auth.url);
    token = await appToken(p, p.app);
  });
  afterAll(async () => {
    await stub?.stop();
    await p?.close();
  });

  const register = async (overrides: Record<string, unknown> = {}) => {
    const body = registrationBody(overrides);
    const res = await api(p, 'POST', '/customers/v2/registrations', { token, body });
    expect(res.status).toBe(201);
    return {
      id: res.body.customerId as string,
      loginId: body.loginId as string,
      password: body.password as string,
    };
  };
  const rows = (customerId: string) =>
    p.sql<OutboxRow>(
      `SELECT id, event_id, attempts, dispatched_at, dead_at, last_error FROM outbox_events
        WHERE payload->>'customerId' = $1 ORDER BY created_at`,
      [customerId],
    );

  it('keeps events while the activity-service is down and delivers each exactly once when it is back', async () => {
    const c = await register();
    const [row] = await rows(c.id);
    expect(row!.event_id).toBe('registrationUser');

    // Delivery is tried and fails (nothing listens), with backoff, and nothing is lost.
    const failing = await eventually(async () => {
      const [r] = await rows(c.id);
      return r && r.attempts >= 2 ? r : undefined;
    }, 'failed delivery attempts');
    expect(failing.dispatched_at).toBeNull();
    expect(failing.last_error).toMatch(/unreachable/);
    expect(stub.posted).toHaveLength(0);

    await stub.start();
    await eventually(async () => (await rows(c.id))[0]?.dispatched_at, 'delivery');
    // More dispatcher rounds change nothing: it was delivered once.
    await p.customers.app.get(OutboxDispatcher).drain();
    await p.customers.app.get(OutboxDispatcher).drain();
    expect(stub.timesPosted(row!.id)).toBe(1);

    expect(stub.stored.get(row!.id)).toEqual({
      guid: row!.id,
      eventId: 'registrationUser',
      timeStamp: expect.stringMatching(/^\d{4}-\d{2}-\d{2}T.*Z$/),
      institutionId: 'fi-one',
      userType: 'retail',
      loginId: c.loginId,
      customerId: c.id,
      channel: 'api',
      ipAddress: expect.any(String),
      attributes: { userStatus: 'registered' },
    });
    // Delivered with the internal client's own token, good for any FI.
    expect(stub.tokens.at(-1)).toMatchObject({
      client_id: 'customer-service',
      institution_id: 'platform',
      scope: 'internal:events:write',
    });
  });

  it('delivers the login, lock and unlock events', async () => {
    const c = await register();
    for (let i = 0; i < 5; i++) await passwordGrant(p, c.loginId, `wrong password ${i}!!`);
    await api(p, 'POST', `/customers/v2/customers/${c.id}/unlock`, { token });
    expect((await passwordGrant(p, c.loginId, c.password)).status).toBe(200);
    await eventually(
      async () => (await rows(c.id)).every((r) => r.dispatched_at !== null),
      'every event delivered',
    );
    const delivered = [...stub.stored.values()].filter((e) => e.customerId === c.id);
    expect(delivered.map((e) => e.eventId).sort()).toEqual(
      [
        'registrationUser',
        ...Array<string>(5).fill('loginFailure'),
        'userLocked',
        'userUnlocked',
        'loginSuccess',
      ].sort(),
    );
  });

  it('retries after a server error', async () => {
    stub.failNext = 2;
    const c = await register();
    const [row] = await eventually(async () => {
      const r = await rows(c.id);
      return r[0]?.dispatched_at ? r : undefined;
    }, 'delivery after 503s');
    expect(row!.attempts).toBeGreaterThanOrEqual(1);
    expect(stub.timesPosted(row!.id)).toBe(1);
  });

  it('sets aside an event the activity-service refuses, without holding back the others', async () => {
    const poison = `poison${Date.now() % 100000}`;
    stub.refuse = (event) => event.loginId === poison;
    await stub.stop();
    const bad = await register({ loginId: poison });
    const good = await register();
    await stub.start();
    const [badRow] = await eventually(async () => {
      const r = await rows(bad.id);
      return r[0]?.dead_at ? r : undefined;
    }, 'the refused event set aside');
    expect(badRow!.dispatched_at).toBeNull();
    expect(badRow!.last_error).toMatch(/answered 400/);
    await eventually(async () => (await rows(good.id))[0]?.dispatched_at, 'the other event');
    stub.refuse = () => false;
  });

  it('purges delivered events after the retention period, expired keys and windows', async () => {
    const c = await register();
    const [row] = await eventually(async () => {
      const r = await rows(c.id);
      return r[0]?.dispatched_at ? r : undefined;
    }, 'delivery');
    await p.sql(
      `UPDATE outbox_events SET dispatched_at = now() - interval '8 days' WHERE id = $1`,
      [row!.id],
    );
    await p.sql(
      `INSERT INTO idempotency_records
         (client_id, idempotency_key, institution_id, request_hash, state, locked_until, created_at, expires_at)
       VALUES ('app', 'old-key', 'fi-one', 'h', 'completed', now(), now() - interval '2 days', now() - interval '1 day')`,
    );
    await p.sql(
      `INSERT INTO rate_limits (key, points, expire) VALUES ('old', 1, $1), ('current', 1, $2)`,
      [Date.now() - 3_600_000, Date.now() + 3_600_000],
    );
    await p.customers.app.get(HousekeepingJob).run();
    expect(await p.sql('SELECT 1 FROM outbox_events WHERE id = $1', [row!.id])).toHaveLength(0);
    expect(
      await p.sql(`SELECT 1 FROM idempotency_records WHERE idempotency_key = 'old-key'`),
    ).toHaveLength(0);
    expect(await p.sql(`SELECT key FROM rate_limits WHERE key IN ('old', 'current')`)).toEqual([
      { key: 'current' },
    ]);
    // Events set aside as refused are kept.
    expect(await p.sql('SELECT 1 FROM outbox_events WHERE dead_at IS NOT NULL')).not.toHaveLength(
      0,
    );
  });

  describe('with two instances', () => {
    let replica: RunningApp;
    afterAll(async () => replica?.close());

    it('delivers every event once, whichever instance sends it', async () => {
      await stub.stop();
      replica = await startCustomerReplica(p);
      const ids: string[] = [];
      for (let i = 0; i < 20; i++) ids.push((await register()).id);
      await stub.start();
      await eventually(async () => {
        const [{ pending }] = (await p.sql<{ pending: string }>(
          `SELECT count(*) AS pending FROM outbox_events
            WHERE payload->>'customerId' = ANY($1) AND dispatched_at IS NULL`,
          [ids],
        )) as [{ pending: string }];
        return pending === '0';
      }, 'all delivered');
      const guids = await p.sql<{ id: string }>(
        `SELECT id FROM outbox_events WHERE payload->>'customerId' = ANY($1)`,
        [ids],
      );
      expect(guids).toHaveLength(20);
      for (const { id } of guids) expect(stub.timesPosted(id)).toBe(1);
    });
  });
});

import { randomUUID } from 'node:crypto';
import { DisclosureActivationJob } from '../../apps/customer-service/src/disclosures/disclosure-activation.job';
import { testClient } from '../support/database';
import { createClient } from '../support/platform';
import {
  api,
  appToken,
  passwordGrant,
  registrationBody,
  startCustomerPlatform,
  type CustomerPlatform,
} from '../support/customer-platform';

type Body = Record<string, unknown>;

/**
 * Each test uses its own FI (a client per FI), since publishing a required disclosure
 * changes every customer of the FI.
 */
describe('customer-service: disclosures and acceptances', () => {
  let p: CustomerPlatform;
  let fiCounter = 0;

  beforeAll(async () => {
    p = await startCustomerPlatform('cus_disclosures', {
      REGISTRATION_LIMIT_PER_ADDRESS: '100000',
    });
  });
  afterAll(async () => p?.close());

  /** A fresh FI with an app token holding every customer-service scope. */
  const newFi = async () => {
    const institutionId = `fi-disc-${fiCounter++}`;
    const client = await createClient(p.auth.url, {
      institutionId,
      scopes: [
        'customers:write',
        'customers:read',
        'disclosures:read',
        'disclosures:write',
        'profile:read',
        'profile:write',
      ],
      grantTypes: ['client_credentials', 'password', 'refresh_token'],
    });
    const token = await appToken(p, client);
    const publish = (body: Body) =>
      api(p, 'POST', '/customers/v2/disclosures', {
        token,
        body: { name: 'Terms of use', required: true, content: 'You agree to...', ...body },
      });
    const register = async (acceptedDisclosures: Body[] = []) => {
      const body = registrationBody({ acceptedDisclosures });
      const res = await api(p, 'POST', '/customers/v2/registrations', { token, body });
      return { res, loginId: body.loginId as string, password: body.password as string };
    };
    const profile = async (id: string) =>
      (await api(p, 'GET', `/customers/v2/customers/${id}`, { token })).body;
    return { institutionId, client, token, publish, register, profile };
  };

  it('publishes a disclosure and lists the version in force', async () => {
    const fi = await newFi();
    const res = await fi.publish({ disclosureId: 'terms', version: '1', content: 'Terms v1' });
    expect(res.status).toBe(201);
    expect(res.headers.get('location')).toBe('/customers/v2/disclosures/terms/versions/1');
    expect(res.body).toMatchObject({
      disclosureId: 'terms',
      version: '1',
      required: true,
      inForce: true,
    });

    await fi.publish({
      disclosureId: 'privacy',
      version: '2026-01',
      required: false,
      name: 'Privacy notice',
    });
    await fi.publish({ disclosureId: 'terms', version: '2', content: 'Terms v2' });
    const list = await api(p, 'GET', '/customers/v2/disclosures', { token: fi.token });
    expect(list.status).toBe(200);
    expect(list.body.disclosures).toEqual([
      expect.objectContaining({
        disclosureId: 'privacy',
        version: '2026-01',
        required: false,
        name: 'Privacy notice',
      }),
      expect.objectContaining({
        disclosureId: 'terms',
        version: '2',
        required: true,
        content: 'Terms v2',
        effectiveAt: expect.any(String),
      }),
    ]);

    const old = await api(p, 'GET', '/customers/v2/disclosures/terms/versions/1', {
      token: fi.token,
    });
    expect(old.body).toMatchObject({ version: '1', inForce: false });
    const missing = await api(p, 'GET', '/customers/v2/disclosures/terms/versions/9', {
      token: fi.token,
    });
    expect(missing.status).toBe(404);
    expect(missing.body.code).toBe('CUS_DISCLOSURE_NOT_FOUND');

    // Another FI sees none of it.
    const other = await api(p, 'GET', '/customers/v2/disclosures', {
      token: await appToken(p, p.otherFi),
    });
    expect(other.body).toEqual({ disclosures: [] });
  });

  it('refuses to publish a version twice: 409 CUS_DISCLOSURE_VERSION_EXISTS', async () => {
    const fi = await newFi();
    expect((await fi.publish({ disclosureId: 'terms', version: '1' })).status).toBe(201);
    const again = await fi.publish({ disclosureId: 'terms', version: '1', content: 'changed' });
    expect(again.status).toBe(409);
    expect(again.body.code).toBe('CUS_DISCLOSURE_VERSION_EXISTS');
  });

  it('validates a publication', async () => {
    const fi = await newFi();
    const res = await fi.publish({
      disclosureId: 'bad id!',
      version: '',
      required: 'yes',
      effectiveAt: 'tomorrow',
    });
    expect(res.status).toBe(400);
    expect((res.body.errors as { pointer: string }[]).map((e) => e.pointer).sort()).toEqual([
      '/disclosureId',
      '/effectiveAt',
      '/required',
      '/version',
    ]);
    const past = await fi.publish({
      disclosureId: 'terms',
      version: '1',
      effectiveAt: '2020-01-01T00:00:00Z',
    });
    expect(past.status).toBe(400);
    expect(past.body.errors).toEqual([
      { pointer: '/effectiveAt', detail: 'must be between now and a year from now' },
    ]);
  });

  it('needs disclosures:write to publish (and an app token), disclosures:read to list', async () => {
    const fi = await newFi();
    const readOnly = await appToken(p, fi.client, ['disclosures:read']);
    const res = await api(p, 'POST', '/customers/v2/disclosures', {
      token: readOnly,
      body: { disclosureId: 'terms', version: '1', name: 'x', required: true, content: 'x' },
    });
    expect(res.status).toBe(403);
    const writeOnly = await appToken(p, fi.client, ['disclosures:write']);
    expect((await api(p, 'GET', '/customers/v2/disclosures', { token: writeOnly })).status).toBe(
      403,
    );
  });

  it('requires the version in force of every required disclosure at registration', async () => {
    const fi = await newFi();
    await fi.publish({ disclosureId: 'terms', version: '1' });
    await fi.publish({ disclosureId: 'esign', version: '3', name: 'E-sign consent' });
    await fi.publish({ disclosureId: 'marketing', version: '1', required: false });

    const none = await fi.register([]);
    expect(none.res.status).toBe(422);
    expect(none.res.body).toMatchObject({
      code: 'CUS_DISCLOSURE_REQUIRED',
      requiredDisclosures: [
        { disclosureId: 'esign', version: '3' },
        { disclosureId: 'terms', version: '1' },
      ],
    });

    const oldVersion = await fi.register([
      { disclosureId: 'terms', version: '0' },
      { disclosureId: 'esign', version: '3' },
    ]);
    expect(oldVersion.res.status).toBe(422);
    expect(oldVersion.res.body).toMatchObject({
      code: 'CUS_DISCLOSURE_NOT_IN_FORCE',
      errors: [{ pointer: '/acceptedDisclosures/0/version', detail: 'version 1 is in force' }],
    });
    const unknown = await fi.register([{ disclosureId: 'nothing', version: '1' }]);
    expect(unknown.res.body).toMatchObject({
      code: 'CUS_DISCLOSURE_NOT_IN_FORCE',
      errors: [{ pointer: '/acceptedDisclosures/0' }],
    });

    const ok = await fi.register([
      { disclosureId: 'terms', version: '1' },
      { disclosureId: 'esign', version: '3' },
    ]);
    expect(ok.res.status).toBe(201);
    expect(ok.res.body.acceptedDisclosures).toEqual([
      { disclosureId: 'esign', version: '3', acceptedAt: expect.any(String) },
      { disclosureId: 'terms', version: '1', acceptedAt: expect.any(String) },
    ]);
    const stored = await p.sql<{ ip_address: string; user_agent: string; client_id: string }>(
      'SELECT ip_address, user_agent, client_id FROM disclosure_acceptances WHERE customer_id = $1',
      [ok.res.body.customerId],
    );
    expect(stored).toHaveLength(2);
    expect(stored[0]).toMatchObject({
      ip_address: expect.any(String),
      client_id: fi.client.clientId,
    });
    const events = await p.sql<{ event_id: string; payload: Body }>(
      `SELECT event_id, payload FROM outbox_events WHERE payload->>'customerId' = $1 AND event_id = 'disclosureAcceptance'`,
      [ok.res.body.customerId],
    );
    expect(events.map((e) => e.payload.attributes)).toEqual(
      expect.arrayContaining([
        { disclosureId: 'terms', version: '1' },
        { disclosureId: 'esign', version: '3' },
      ]),
    );
  });

  it('moves customers to needsToAcceptDisclosure on a new required version, back once accepted', async () => {
    const fi = await newFi();
    await fi.publish({ disclosureId: 'terms', version: '1' });
    const a = await fi.register([{ disclosureId: 'terms', version: '1' }]);
    const b = await fi.register([{ disclosureId: 'terms', version: '1' }]);
    // a has signed in (active); b never has (registered).
    const login = await passwordGrant(p, a.loginId, a.password, fi.client);
    expect(login.status).toBe(200);

    // A new optional version changes nobody.
    await fi.publish({ disclosureId: 'news', version: '1', required: false });
    expect(await fi.profile(a.res.body.customerId as string)).toMatchObject({
      userStatus: 'active',
    });

    await fi.publish({ disclosureId: 'terms', version: '2', content: 'Terms v2' });
    expect(await fi.profile(a.res.body.customerId as string)).toMatchObject({
      userStatus: 'needsToAcceptDisclosure',
    });
    expect(await fi.profile(b.res.body.customerId as string)).toMatchObject({
      userStatus: 'needsToAcceptDisclosure',
    });
    const [audit] = await p.sql<{ actor_id: string; changes: Body[] }>(
      `SELECT actor_id, changes FROM audit_events WHERE customer_id = $1 AND action = 'statusChanged'
        ORDER BY occurred_at DESC LIMIT 1`,
      [a.res.body.customerId],
    );
    expect(audit).toMatchObject({
      actor_id: fi.client.clientId,
      changes: [
        { field: 'userStatus', old: 'active', new: 'needsToAcceptDisclosure' },
        { field: 'disclosureInForce', old: null, new: 'terms version 2' },
      ],
    });

    // Logging in still works, so the customer can accept through `me`.
    const again = await passwordGrant(p, a.loginId, a.password, fi.client);
    expect(again.status).toBe(200);
    const bearer = again.body.access_token as string;
    const accept = (body: Body, token = bearer) =>
      api(p, 'POST', '/customers/v2/customers/me/disclosure-acceptances', {
        token,
        body,
        headers: { 'user-agent': 'BankApp/7.1 (iOS 19)' },
      });
    const stale = await accept({ disclosureId: 'terms', version: '1' });
    expect(stale.status).toBe(422);
    expect(stale.body.code).toBe('CUS_DISCLOSURE_NOT_IN_FORCE');

    const res = await accept({ disclosureId: 'terms', version: '2' });
    expect(res.status).toBe(201);
    expect(res.body).toEqual({
      disclosureId: 'terms',
      version: '2',
      acceptedAt: expect.any(String),
      userStatus: 'active',
    });
    const [stored] = await p.sql<{ ip_address: string; user_agent: string; accepted_at: Date }>(
      `SELECT ip_address, user_agent, accepted_at FROM disclosure_acceptances
        WHERE customer_id = $1 AND version = '2'`,
      [a.res.body.customerId],
    );
    expect(stored).toMatchObject({
      ip_address: expect.any(String),
      user_agent: 'BankApp/7.1 (iOS 19)',
    });

    // Accepting again changes nothing.
    const twice = await accept({ disclosureId: 'terms', version: '2' });
    expect(twice.status).toBe(200);
    expect(twice.body.acceptedAt).toBe(res.body.acceptedAt);

    // The app can record b's acceptance; b never signed in, so b settles as registered.
    const forB = await api(
      p,
      'POST',
      `/customers/v2/customers/${b.res.body.customerId}/disclosure-acceptances`,
      {
        token: fi.token,
        body: { disclosureId: 'terms', version: '2' },
      },
    );
    expect(forB.status).toBe(201);
    expect(forB.body.userStatus).toBe('registered');
    expect((await fi.profile(b.res.body.customerId as string)).acceptedDisclosures).toEqual([
      { disclosureId: 'terms', version: '2', acceptedAt: expect.any(String) },
    ]);
  });

  it('settles customers again when a new version no longer requires acceptance', async () => {
    const fi = await newFi();
    const c = await fi.register();
    const id = c.res.body.customerId as string;
    await fi.publish({ disclosureId: 'terms', version: '1' });
    expect(await fi.profile(id)).toMatchObject({ userStatus: 'needsToAcceptDisclosure' });
    await fi.publish({ disclosureId: 'terms', version: '2', required: false });
    expect(await fi.profile(id)).toMatchObject({ userStatus: 'registered' });
  });

  it('keeps a locked customer locked; the pending disclosure shows once unlocked', async () => {
    const fi = await newFi();
    await fi.publish({ disclosureId: 'terms', version: '1' });
    const c = await fi.register([{ disclosureId: 'terms', version: '1' }]);
    const id = c.res.body.customerId as string;
    for (let i = 0; i < 5; i++)
      await passwordGrant(p, c.loginId, `wrong password ${i}!!`, fi.client);
    expect(await fi.profile(id)).toMatchObject({ userStatus: 'locked' });
    await fi.publish({ disclosureId: 'terms', version: '2' });
    expect(await fi.profile(id)).toMatchObject({ userStatus: 'locked' });
    const unlock = await api(p, 'POST', `/customers/v2/customers/${id}/unlock`, {
      token: fi.token,
    });
    expect(unlock.body).toMatchObject({
      userStatus: 'needsToAcceptDisclosure',
      failedLoginCount: 0,
    });
  });

  it('checks a registration against a version that takes effect while it waits for the lock', async () => {
    const fi = await newFi();
    // An activation in progress elsewhere: the FI's lock held exclusive, a required version
    // in force but not yet committed.
    const activation = await testClient({
      connectionString: p.db.url,
      options: '-c search_path=customer',
    });
    try {
      await activation.query('BEGIN');
      await activation.query('SELECT pg_advisory_xact_lock(hashtext($1))', [
        `customer:disclosures:${fi.institutionId}`,
      ]);
      await activation.query(
        `INSERT INTO disclosures (id, institution_id, disclosure_id, version, name, required,
           content, effective_at, activated_at, published_by, created_at)
         VALUES ($1, $2, 'terms', '1', 'Terms', true, 'You agree', now(), now(), 'test', now())`,
        [randomUUID(), fi.institutionId],
      );
      // The registration sees no disclosure before its hash, then waits for the lock.
      const pending = fi.register();
      for (;;) {
        const [waiting] = await p.sql<{ n: number }>(
          `SELECT count(*)::int AS n FROM pg_locks WHERE locktype = 'advisory' AND NOT granted`,
        );
        if (waiting!.n > 0) break;
        await new Promise((r) => setTimeout(r, 20));
      }
      await activation.query('COMMIT');
      const { res, loginId } = await pending;
      // What took effect before it got the lock counts: the required version is missing.
      expect(res.status).toBe(422);
      expect(res.body).toMatchObject({ code: 'CUS_DISCLOSURE_REQUIRED' });
      expect(await p.sql(`SELECT 1 FROM customers WHERE login_id = $1`, [loginId])).toEqual([]);
    } finally {
      await activation.end();
    }
  });

  it('takes a scheduled version into force when its time comes', async () => {
    const fi = await newFi();
    await fi.publish({ disclosureId: 'terms', version: '1' });
    const c = await fi.register([{ disclosureId: 'terms', version: '1' }]);
    const id = c.res.body.customerId as string;
    const future = new Date(Date.now() + 3_600_000).toISOString();
    const scheduled = await fi.publish({
      disclosureId: 'terms',
      version: '2',
      effectiveAt: future,
    });
    expect(scheduled.status).toBe(201);
    expect(scheduled.body).toMatchObject({ inForce: false, effectiveAt: future });
    const list = await api(p, 'GET', '/customers/v2/disclosures', { token: fi.token });
    expect((list.body.disclosures as Body[]).map((d) => d.version)).toEqual(['1']);
    expect(await fi.profile(id)).toMatchObject({ userStatus: 'registered' });

    // Its time comes (moved, rather than waited for), and the job runs.
    await p.sql(
      `UPDATE disclosures SET effective_at = now()
        WHERE institution_id = $1 AND version = '2'`,
      [fi.institutionId],
    );
    expect(await p.customers.app.get(DisclosureActivationJob).run()).toBeGreaterThanOrEqual(1);
    const after = await api(p, 'GET', '/customers/v2/disclosures', { token: fi.token });
    expect((after.body.disclosures as Body[]).map((d) => d.version)).toEqual(['2']);
    expect(await fi.profile(id)).toMatchObject({ userStatus: 'needsToAcceptDisclosure' });
    const [audit] = await p.sql<{ actor_type: string; actor_id: string }>(
      `SELECT actor_type, actor_id FROM audit_events WHERE customer_id = $1 AND action = 'statusChanged'`,
      [id],
    );
    expect(audit).toEqual({ actor_type: 'system', actor_id: 'disclosure-activation' });
  });

  it("keeps acceptances within the FI: another FI's customer is 404", async () => {
    const fi = await newFi();
    const other = await newFi();
    await fi.publish({ disclosureId: 'terms', version: '1', required: false });
    const c = await fi.register();
    const res = await api(
      p,
      'POST',
      `/customers/v2/customers/${c.res.body.customerId}/disclosure-acceptances`,
      {
        token: other.token,
        body: { disclosureId: 'terms', version: '1' },
      },
    );
    expect(res.status).toBe(404);
  });
});

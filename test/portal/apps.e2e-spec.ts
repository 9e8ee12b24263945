import { SANDBOX_SAMPLE_PASSWORD } from '@app/common';
import { postForm } from '../support/platform';
import { textById } from './support/browser';
import { provisionedDeveloper, tokenWith, type ProvisionedDeveloper } from './support/developer';
import { startPortalPlatform, type PortalPlatform } from './support/portal';

const EVENT_TYPES = '/data-apis/v1/banking-activities/event-types';

describe('developer-portal: apps, keys, Postman, sandbox reset', () => {
  let p: PortalPlatform;
  let ada: ProvisionedDeveloper;
  let bob: ProvisionedDeveloper;
  /** Every Secret Key a page showed, to check none is ever shown again. */
  const secrets: string[] = [];

  beforeAll(async () => {
    p = await startPortalPlatform('portal_apps');
    ada = await provisionedDeveloper(p, 'ada@example.com', 'Ada Lovelace');
    bob = await provisionedDeveloper(p, 'bob@example.com', 'Bob Kahn');
    secrets.push(ada.first.clientSecret, bob.first.clientSecret);
  });
  afterAll(async () => {
    await p?.close();
  });

  it('gives each organization its own sandbox FI, seeded, and keys that reach the APIs', async () => {
    expect(ada.institutionId).toMatch(/^sbx-/);
    expect(bob.institutionId).toMatch(/^sbx-/);
    expect(ada.institutionId).not.toBe(bob.institutionId);
    expect(ada.welcomeHtml).toContain('copper kettle whistles at noon');
    const { status, token } = await tokenWith(p, ada.first);
    expect(status).toBe(200);
    const res = await fetch(`${p.activity.url}${EVENT_TYPES}`, {
      headers: { authorization: `Bearer ${token}` },
    });
    expect(res.status).toBe(200);
    const disclosures = await fetch(`${p.customer.url}/customers/v2/disclosures`, {
      headers: { authorization: `Bearer ${token}`, institutionId: ada.institutionId },
    });
    expect(disclosures.status).toBe(200);
    const { rows } = await p.sql.query<{ n: number }>(
      `SELECT count(*)::int AS n FROM customer.customers WHERE institution_id = $1`,
      [ada.institutionId],
    );
    expect(rows[0]!.n).toBeGreaterThan(0);
  });

  it('lets a sample customer of the sandbox log in with the first app (password grant)', async () => {
    const page = await ada.browser.get('/sandbox');
    expect(page.status).toBe(200);
    expect(page.html).toContain('olivia.smith');
    const res = await postForm(
      `${p.auth.url}/oauth2/v1/token`,
      { grant_type: 'password', username: 'olivia.smith', password: SANDBOX_SAMPLE_PASSWORD },
      { basic: ada.first },
    );
    expect(res.status).toBe(200);
    expect(res.body.refresh_token).toBeDefined();
  });

  it('lists the organization’s apps with name, Shared Key, scopes, created and last used', async () => {
    const page = await ada.browser.get('/apps');
    expect(page.status).toBe(200);
    expect(page.html).toContain(ada.first.clientId);
    expect(page.html).toContain('My first app');
    expect(page.html).toContain('banking-activities:read');
    expect(page.html).toContain('Last used');
    expect(page.html).not.toContain(bob.first.clientId);
  });

  it('creates an app with the chosen scopes; its Secret Key is shown once (no-store) and works', async () => {
    const created = await ada.browser.submit('/apps', '/apps', {
      name: 'Reporting job',
      scopes: ['banking-activities:read', 'account:read'],
    });
    expect(created.status).toBe(201);
    expect(created.headers.get('cache-control')).toBe('no-store');
    const clientId = textById(created.html, 'shared-key')!;
    const clientSecret = textById(created.html, 'secret-key')!;
    secrets.push(clientSecret);
    const token = await tokenWith(p, { clientId, clientSecret });
    expect(token.status).toBe(200);
    expect(token.scope!.split(' ').sort()).toEqual(['account:read', 'banking-activities:read']);
    // Not a scope it was given.
    expect((await tokenWith(p, { clientId, clientSecret }, 'customers:write')).status).toBe(400);
    const list = await ada.browser.get('/apps');
    expect(list.html).toContain('Reporting job');
    expect(list.html).not.toContain(clientSecret);
  });

  it('refuses an app without a name or scopes, with the errors on the fields', async () => {
    const page = await ada.browser.submit('/apps', '/apps', { name: '' });
    expect(page.status).toBe(400);
    expect(page.html).toContain('aria-describedby="name-error"');
    expect(page.html).toContain('Choose at least one scope.');
    const other = await ada.browser.submit('/apps', '/apps', {
      name: 'Admin',
      scopes: 'clients:admin',
    });
    expect(other.status).toBe(400);
  });

  it('rotates with an overlap: the old and the new Secret Key both work; without one the old stops', async () => {
    const old = ada.first;
    await ada.browser.get('/apps');
    const rotated = await ada.browser.post(`/apps/${old.clientId}/secret`, { overlap: '3600' });
    expect(rotated.status).toBe(200);
    expect(rotated.headers.get('cache-control')).toBe('no-store');
    const fresh = { clientId: old.clientId, clientSecret: textById(rotated.html, 'secret-key')! };
    secrets.push(fresh.clientSecret);
    expect(fresh.clientSecret).not.toBe(old.clientSecret);
    expect(rotated.html).toContain('keeps working until');
    expect((await tokenWith(p, old)).status).toBe(200);
    expect((await tokenWith(p, fresh)).status).toBe(200);

    await ada.browser.get('/apps');
    const again = await ada.browser.post(`/apps/${old.clientId}/secret`, { overlap: '0' });
    expect(again.status).toBe(200);
    const newest = { clientId: old.clientId, clientSecret: textById(again.html, 'secret-key')! };
    secrets.push(newest.clientSecret);
    expect((await tokenWith(p, newest)).status).toBe(200);
    expect((await tokenWith(p, fresh)).status).toBe(401);
    expect((await tokenWith(p, old)).status).toBe(401);
    ada.first = newest;
  });

  it('refuses an overlap that is not offered', async () => {
    await ada.browser.get('/apps');
    const odd = await ada.browser.post(`/apps/${ada.first.clientId}/secret`, { overlap: '99' });
    expect(odd.status).toBe(400);
    expect((await tokenWith(p, ada.first)).status).toBe(200);
  });

  it('never lets one organization see or change another’s apps', async () => {
    const target = ada.first.clientId;
    const tries = [
      await bob.browser.get(`/apps/${target}/revoke`),
      await bob.browser.get(`/apps/${target}/postman`),
      await bob.browser.get(`/apps/${target}/postman/environment.json`),
      await bob.browser.get(`/apps/${target}/postman/collection.json`),
    ];
    await bob.browser.get('/apps');
    tries.push(await bob.browser.post(`/apps/${target}/secret`, { overlap: '0' }));
    await bob.browser.get('/apps');
    tries.push(await bob.browser.post(`/apps/${target}/revoke`));
    for (const t of tries) expect(t.status).toBe(404);
    for (const t of tries) expect(t.html).not.toContain(ada.institutionId);
    // Ada's keys are untouched.
    expect((await tokenWith(p, ada.first)).status).toBe(200);
    const bobsList = await bob.browser.get('/apps');
    expect(bobsList.html).not.toContain(target);
  });

  it('serves Postman files with the Shared Key filled in and the Secret Key left empty', async () => {
    const page = await ada.browser.get(`/apps/${ada.first.clientId}/postman`);
    expect(page.status).toBe(200);
    const env = await ada.browser.get(`/apps/${ada.first.clientId}/postman/environment.json`);
    expect(env.status).toBe(200);
    expect(env.headers.get('content-disposition')).toMatch(
      /^attachment; filename=".+\.postman_environment\.json"$/,
    );
    const environment = JSON.parse(env.html) as { values: { key: string; value: string }[] };
    const value = (key: string) => environment.values.find((v) => v.key === key)?.value;
    expect(value('clientId')).toBe(ada.first.clientId);
    expect(value('clientSecret')).toBe('');
    expect(value('institutionId')).toBe(ada.institutionId);
    expect(value('authUrl')).toBe(p.auth.url);
    expect(value('adminClientSecret')).toBe('');
    const collection = await ada.browser.get(`/apps/${ada.first.clientId}/postman/collection.json`);
    const parsed = JSON.parse(collection.html) as { info: { name: string }; item: unknown[] };
    expect(parsed.info.name).toContain('My first app');
    expect(parsed.item.length).toBeGreaterThan(3);
  });

  it('revokes an app: its keys are refused, its tokens refused by the APIs within 5 s', async () => {
    const created = await ada.browser.submit('/apps', '/apps', {
      name: 'Short-lived',
      scopes: 'banking-activities:read',
    });
    const keys = {
      clientId: textById(created.html, 'shared-key')!,
      clientSecret: textById(created.html, 'secret-key')!,
    };
    secrets.push(keys.clientSecret);
    const { token } = await tokenWith(p, keys);
    const call = () =>
      fetch(`${p.activity.url}${EVENT_TYPES}`, { headers: { authorization: `Bearer ${token}` } });
    expect((await call()).status).toBe(200);
    const confirm = await ada.browser.get(`/apps/${keys.clientId}/revoke`);
    expect(confirm.status).toBe(200);
    const revoked = await ada.browser.post(`/apps/${keys.clientId}/revoke`);
    expect(revoked.status).toBe(303);
    expect(revoked.location).toBe(`/apps?revoked=${keys.clientId}`);
    expect((await tokenWith(p, keys)).status).toBe(401);
    const deadline = Date.now() + 5_000;
    let status = 200;
    while (Date.now() < deadline && status === 200) {
      status = (await call()).status;
      if (status === 200) await new Promise((r) => setTimeout(r, 200));
    }
    expect(status).toBe(401);
    // The revoked app stays listed as revoked, without its actions.
    const list = await ada.browser.get('/apps');
    expect(list.html).toContain('Short-lived <span class="muted">(revoked)</span>');
    expect(list.html).not.toContain(`/apps/${keys.clientId}/secret`);
  });

  it('resets the sandbox (confirm page, CSRF-checked POST): data wiped and seeded again', async () => {
    const { token } = await tokenWith(p, ada.first);
    // A customer the developer added through the API is gone after the reset.
    const count = async () =>
      (
        await p.sql.query<{ n: number }>(
          `SELECT count(*)::int AS n FROM customer.customers WHERE institution_id = $1`,
          [ada.institutionId],
        )
      ).rows[0]!.n;
    const seeded = await count();
    await p.sql.query(
      `UPDATE customer.customers SET first_name = 'Changed' WHERE institution_id = $1`,
      [ada.institutionId],
    );
    expect(token).toBeDefined();
    expect((await ada.browser.get('/sandbox')).status).toBe(200);
    const confirm = await ada.browser.get('/sandbox/reset');
    expect(confirm.status).toBe(200);
    expect((await ada.browser.post('/sandbox/reset', { _csrf: null })).status).toBe(403);
    await ada.browser.get('/sandbox/reset');
    const done = await ada.browser.post('/sandbox/reset');
    expect(done.status).toBe(200);
    expect(done.html).toContain('Sandbox reset');
    expect(await count()).toBe(seeded);
    const changed = await p.sql.query(
      `SELECT 1 FROM customer.customers WHERE institution_id = $1 AND first_name = 'Changed'`,
      [ada.institutionId],
    );
    expect(changed.rowCount).toBe(0);
    // Bob's sandbox was not touched.
    const bobs = await p.sql.query<{ n: number }>(
      `SELECT count(*)::int AS n FROM customer.customers WHERE institution_id = $1`,
      [bob.institutionId],
    );
    expect(bobs.rows[0]!.n).toBe(seeded);
  });

  it('never renders a Secret Key twice', async () => {
    expect(secrets.length).toBeGreaterThanOrEqual(6);
    const pages = [
      '/',
      '/welcome',
      '/apps',
      '/sandbox',
      `/apps/${ada.first.clientId}/postman`,
      `/apps/${ada.first.clientId}/postman/environment.json`,
      `/apps/${ada.first.clientId}/postman/collection.json`,
    ];
    for (const path of pages) {
      const page = await ada.browser.get(path);
      for (const secret of secrets)
        expect({ path, leaked: page.html.includes(secret) }).toEqual({ path, leaked: false });
    }
    // Nor is one stored: the portal's tables hold none of them.
    const dump = await p.sql.query<{ t: string }>(
      `SELECT string_agg(t::text, ' ') AS t FROM (
         SELECT row_to_json(o)::text AS t FROM portal.organizations o
         UNION ALL SELECT row_to_json(d)::text FROM portal.developers d) t`,
    );
    for (const secret of secrets) expect(dump.rows[0]!.t.includes(secret)).toBe(false);
  });
});

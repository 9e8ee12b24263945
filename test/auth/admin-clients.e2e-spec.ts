import { createTestDatabase, type TestDatabase } from '../support/database';
import {
  ADMIN,
  clientToken,
  createClient,
  postForm,
  startAuthServer,
  type Credentials,
  type RunningApp,
} from '../support/platform';

describe('auth-server: admin API for clients and keys', () => {
  let db: TestDatabase;
  let auth: RunningApp;
  let adminToken: string;
  let fiAdmin: Credentials;
  let fiAdminToken: string;

  beforeAll(async () => {
    db = await createTestDatabase('auth_admin');
    auth = await startAuthServer(db);
    adminToken = await clientToken(auth.url, ADMIN, 'clients:admin');
    // The platform admin may delegate client management of one FI.
    fiAdmin = await createClient(auth.url, {
      institutionId: 'fi-one',
      scopes: ['clients:admin', 'customers:read'],
    });
    fiAdminToken = await clientToken(auth.url, fiAdmin, 'clients:admin');
  });
  afterAll(async () => {
    await auth?.close();
    await db?.drop();
  });

  const call = (method: string, path: string, token: string | undefined, body?: unknown) =>
    fetch(`${auth.url}${path}`, {
      method,
      headers: {
        ...(token ? { authorization: `Bearer ${token}` } : {}),
        ...(body !== undefined ? { 'content-type': 'application/json' } : {}),
      },
      body: body === undefined ? undefined : typeof body === 'string' ? body : JSON.stringify(body),
    });
  const token = (c: Credentials, scope?: string) =>
    postForm(
      `${auth.url}/oauth2/v1/token`,
      { grant_type: 'client_credentials', ...(scope ? { scope } : {}) },
      { basic: c },
    );

  it('creates a client, returns its 256-bit secret once, and the client can get tokens', async () => {
    const res = await call('POST', '/admin/v1/clients', adminToken, {
      institutionId: 'fi-one',
      name: 'Online banking server',
      scopes: ['customers:read', 'customers:write'],
      grantTypes: ['client_credentials'],
    });
    expect(res.status).toBe(201);
    const created = (await res.json()) as Record<string, unknown> & {
      clientId: string;
      clientSecret: string;
    };
    expect(res.headers.get('location')).toBe(`/admin/v1/clients/${created.clientId}`);
    expect(Buffer.from(created.clientSecret, 'base64url')).toHaveLength(32);
    expect(created).toMatchObject({
      institutionId: 'fi-one',
      status: 'active',
      scopes: ['customers:read', 'customers:write'],
    });

    const fetched = (await (
      await call('GET', `/admin/v1/clients/${created.clientId}`, adminToken)
    ).json()) as Record<string, unknown>;
    expect(fetched.clientSecret).toBeUndefined();
    expect(JSON.stringify(fetched)).not.toContain(created.clientSecret);
    expect(
      (await token({ clientId: created.clientId, clientSecret: created.clientSecret })).status,
    ).toBe(200);
  });

  it('stores only a keyed hash of the secret', async () => {
    const c = await createClient(auth.url, { institutionId: 'fi-one', scopes: ['customers:read'] });
    const { Client } = await import('pg');
    const pg = new Client({ connectionString: db.url });
    await pg.connect();
    const { rows } = await pg.query<{ secret_hash: string }>(
      'SELECT secret_hash FROM auth.clients WHERE client_id = $1',
      [c.clientId],
    );
    await pg.end();
    expect(rows[0]!.secret_hash).not.toContain(c.clientSecret);
    expect(rows[0]!.secret_hash).toHaveLength(43);
  });

  it('rotates a secret: the old one stops working, the new one works', async () => {
    const c = await createClient(auth.url, { institutionId: 'fi-one', scopes: ['customers:read'] });
    const res = await call('POST', `/admin/v1/clients/${c.clientId}/secret`, adminToken);
    expect(res.status).toBe(200);
    const rotated = (await res.json()) as { clientSecret: string; secretRotatedAt: string };
    expect(rotated.secretRotatedAt).toEqual(expect.any(String));
    expect((await token(c)).status).toBe(401);
    expect((await token({ clientId: c.clientId, clientSecret: rotated.clientSecret })).status).toBe(
      200,
    );
  });

  it('disables a client: no more tokens', async () => {
    const c = await createClient(auth.url, { institutionId: 'fi-one', scopes: ['customers:read'] });
    expect((await token(c)).status).toBe(200);
    const res = await call('POST', `/admin/v1/clients/${c.clientId}/disable`, adminToken);
    expect(res.status).toBe(200);
    expect(await res.json()).toMatchObject({ status: 'disabled', disabledAt: expect.any(String) });
    const refused = await token(c);
    expect(refused.status).toBe(401);
    expect(refused.body.error).toBe('invalid_client');
  });

  it('lists with keyset paging; an FI admin sees its own FI only', async () => {
    await createClient(auth.url, { institutionId: 'fi-two', scopes: ['customers:read'] });
    const all = (await (await call('GET', '/admin/v1/clients?limit=2', adminToken)).json()) as {
      clients: { clientId: string }[];
      next: string;
    };
    expect(all.clients).toHaveLength(2);
    const page2 = (await (
      await call('GET', `/admin/v1/clients?limit=2&after=${all.next}`, adminToken)
    ).json()) as { clients: { clientId: string }[] };
    expect(page2.clients[0]!.clientId > all.next).toBe(true);

    const own = (await (await call('GET', '/admin/v1/clients', fiAdminToken)).json()) as {
      clients: { institutionId: string }[];
    };
    expect(own.clients.length).toBeGreaterThan(0);
    expect(new Set(own.clients.map((c) => c.institutionId))).toEqual(new Set(['fi-one']));
    const other = await call('GET', '/admin/v1/clients?institutionId=fi-two', fiAdminToken);
    expect(other.status).toBe(403);
    expect(await other.json()).toMatchObject({ code: 'AUTH_INSTITUTION_FORBIDDEN' });
  });

  it('keeps FI admins inside their FI and their grantable scopes', async () => {
    const otherFi = await call('POST', '/admin/v1/clients', fiAdminToken, {
      institutionId: 'fi-two',
      name: 'x',
      scopes: ['customers:read'],
      grantTypes: ['client_credentials'],
    });
    expect(otherFi.status).toBe(403);
    const escalate = await call('POST', '/admin/v1/clients', fiAdminToken, {
      institutionId: 'fi-one',
      name: 'x',
      scopes: ['clients:admin'],
      grantTypes: ['client_credentials'],
    });
    expect(escalate.status).toBe(400);
    expect(await escalate.json()).toMatchObject({
      code: 'AUTH_INVALID_CLIENT_REQUEST',
      errors: [{ pointer: '/scopes/0' }],
    });
    const rotateKeys = await call('POST', '/admin/v1/keys/rotate', fiAdminToken);
    expect(rotateKeys.status).toBe(403);
    expect(await rotateKeys.json()).toMatchObject({ code: 'AUTH_PLATFORM_ADMIN_REQUIRED' });
    const foreign = await createClient(auth.url, {
      institutionId: 'fi-two',
      scopes: ['customers:read'],
    });
    expect((await call('GET', `/admin/v1/clients/${foreign.clientId}`, fiAdminToken)).status).toBe(
      404,
    );
  });

  it('answers bad input with problem+json field errors, and changes nothing', async () => {
    const before = (
      (await (await call('GET', '/admin/v1/clients?limit=500', adminToken)).json()) as {
        clients: unknown[];
      }
    ).clients.length;
    const res = await call('POST', '/admin/v1/clients', adminToken, {
      institutionId: 'bad id!',
      name: '',
      scopes: ['nope'],
      grantTypes: ['implicit'],
      extra: true,
    });
    expect(res.status).toBe(400);
    expect(res.headers.get('content-type')).toMatch(/^application\/problem\+json/);
    const problem = (await res.json()) as { code: string; errors: { pointer: string }[] };
    expect(problem.code).toBe('VALIDATION_FAILED');
    expect(problem.errors.map((e) => e.pointer)).toEqual(
      expect.arrayContaining(['/institutionId', '/name', '/grantTypes', '/extra']),
    );
    const unknownScope = await call('POST', '/admin/v1/clients', adminToken, {
      institutionId: 'fi-one',
      name: 'x',
      scopes: ['nope'],
      grantTypes: ['client_credentials'],
    });
    expect(await unknownScope.json()).toMatchObject({
      code: 'AUTH_INVALID_CLIENT_REQUEST',
      errors: [{ pointer: '/scopes/0', detail: 'unknown scope nope' }],
    });
    const malformed = await call('POST', '/admin/v1/clients', adminToken, '{"institutionId":');
    expect(malformed.status).toBe(400);
    expect(await malformed.json()).toMatchObject({ status: 400, code: 'MALFORMED_BODY' });
    const badLimit = await call('GET', '/admin/v1/clients?limit=0', adminToken);
    expect(badLimit.status).toBe(400);
    const after = (
      (await (await call('GET', '/admin/v1/clients?limit=500', adminToken)).json()) as {
        clients: unknown[];
      }
    ).clients.length;
    expect(after).toBe(before);
  });

  it('requires a token with clients:admin', async () => {
    expect((await call('GET', '/admin/v1/clients', undefined)).status).toBe(401);
    const plain = await createClient(auth.url, {
      institutionId: 'fi-one',
      scopes: ['customers:read'],
    });
    const res = await call('GET', '/admin/v1/clients', await clientToken(auth.url, plain));
    expect(res.status).toBe(403);
    expect(res.headers.get('www-authenticate')).toContain('insufficient_scope');
  });
});

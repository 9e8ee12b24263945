import { randomBytes } from 'node:crypto';
import { createRemoteJWKSet, jwtVerify } from 'jose';
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
import { startResourceServer } from '../support/resource-server';

/** What the developer portal needs from the auth-server's admin API. */
describe('auth-server: admin API for the developer portal', () => {
  const PORTAL: Credentials = {
    clientId: 'developer-portal',
    clientSecret: randomBytes(32).toString('base64url'),
  };
  let db: TestDatabase;
  let auth: RunningApp & { env: Record<string, string> };
  let adminToken: string;
  let fiAdminToken: string;

  beforeAll(async () => {
    db = await createTestDatabase('auth_portal');
    auth = await startAuthServer(db, {
      PORTAL_CLIENT_SECRET: PORTAL.clientSecret,
      // The rotation test's expiry falls while the client's record is still cached.
      CLIENT_CACHE_TTL_MS: '60000',
    });
    adminToken = await clientToken(auth.url, ADMIN, 'clients:admin');
    const fiAdmin = await createClient(auth.url, {
      institutionId: 'fi-one',
      scopes: ['clients:admin', 'customers:read'],
    });
    fiAdminToken = await clientToken(auth.url, fiAdmin, 'clients:admin');
  });
  afterAll(async () => {
    await auth?.close();
    await db?.drop();
  });

  const call = (method: string, path: string, token: string, body?: unknown) =>
    fetch(`${auth.url}${path}`, {
      method,
      headers: {
        authorization: `Bearer ${token}`,
        ...(body !== undefined ? { 'content-type': 'application/json' } : {}),
      },
      body: body === undefined ? undefined : typeof body === 'string' ? body : JSON.stringify(body),
    });
  const token = (c: Credentials) =>
    postForm(`${auth.url}/oauth2/v1/token`, { grant_type: 'client_credentials' }, { basic: c });
  const rotate = async (c: Credentials, body?: unknown) => {
    const res = await call('POST', `/admin/v1/clients/${c.clientId}/secret`, adminToken, body);
    expect(res.status).toBe(200);
    expect(res.headers.get('cache-control')).toBe('no-store');
    const json = (await res.json()) as Record<string, unknown> & { clientSecret: string };
    return { json, next: { clientId: c.clientId, clientSecret: json.clientSecret } };
  };
  const view = async (clientId: string) =>
    (await (await call('GET', `/admin/v1/clients/${clientId}`, adminToken)).json()) as Record<
      string,
      unknown
    >;
  const fiClient = (scopes = ['customers:read', 'account:read'], extra = {}) =>
    createClient(auth.url, { institutionId: 'fi-one', scopes, ...extra });
  const mint = (clientId: string, body?: unknown, as = adminToken) =>
    call('POST', `/admin/v1/clients/${clientId}/tokens`, as, body);
  const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

  describe('secret rotation with an overlap', () => {
    it('keeps the old secret working beside the new one until previousSecretExpiresAt, then 401 invalid_client', async () => {
      const old = await fiClient();
      expect((await token(old)).status).toBe(200); // the old record is now in the cache
      const before = Date.now();
      // 5 s: both secrets must work in the overlap, even on a stalled machine.
      const { json, next } = await rotate(old, { previousSecretExpiresIn: 5 });
      expect(json.secretRotatedAt).toEqual(expect.any(String));
      const expiresAt = Date.parse(json.previousSecretExpiresAt as string);
      expect(expiresAt).toBeGreaterThanOrEqual(before + 5_000 - 50);
      expect(expiresAt).toBeLessThanOrEqual(Date.now() + 5_000 + 50);
      expect(JSON.stringify(json)).not.toMatch(/hash/i);

      expect((await token(old)).status).toBe(200);
      expect((await token(next)).status).toBe(200);
      // Past the expiry (the cached record is younger than CLIENT_CACHE_TTL_MS): refused.
      await sleep(Math.max(0, expiresAt - Date.now()) + 100);
      const refused = await token(old);
      expect(refused.status).toBe(401);
      expect(refused.body.error).toBe('invalid_client');
      expect(refused.headers.get('www-authenticate')).toMatch(/^Basic/);
      expect((await token(next)).status).toBe(200);
      expect((await view(old.clientId)).previousSecretExpiresAt).toBeNull();
    });

    it('with no body, or previousSecretExpiresIn 0, the old secret is refused at once', async () => {
      for (const body of [undefined, {}, { previousSecretExpiresIn: 0 }]) {
        const old = await fiClient();
        expect((await token(old)).status).toBe(200);
        const { json, next } = await rotate(old, body);
        expect(json.previousSecretExpiresAt).toBeNull();
        expect((await token(old)).status).toBe(401);
        expect((await token(next)).status).toBe(200);
      }
    });

    it('refuses a bad previousSecretExpiresIn with a 400 field error, and changes nothing', async () => {
      const c = await fiClient();
      const before = await view(c.clientId);
      for (const body of [
        { previousSecretExpiresIn: -1 },
        { previousSecretExpiresIn: 604_801 },
        { previousSecretExpiresIn: 1.5 },
        { previousSecretExpiresIn: '60' },
        { previousSecretExpiresIn: null },
        { previousSecretExpiresIn: 60, extra: true },
      ]) {
        const res = await call('POST', `/admin/v1/clients/${c.clientId}/secret`, adminToken, body);
        expect(res.status).toBe(400);
        expect(res.headers.get('content-type')).toMatch(/^application\/problem\+json/);
        const problem = (await res.json()) as { code: string; errors: { pointer: string }[] };
        expect(problem.code).toBe('VALIDATION_FAILED');
        expect(problem.errors.map((e) => e.pointer)).toContain(
          'extra' in body ? '/extra' : '/previousSecretExpiresIn',
        );
      }
      const malformed = await call(
        'POST',
        `/admin/v1/clients/${c.clientId}/secret`,
        adminToken,
        '{"previousSecretExpiresIn":',
      );
      expect(malformed.status).toBe(400);
      expect(await view(c.clientId)).toEqual(before);
      expect((await token(c)).status).toBe(200);
      // The longest overlap, 7 days, is accepted.
      const { json } = await rotate(c, { previousSecretExpiresIn: 604_800 });
      expect(Date.parse(json.previousSecretExpiresAt as string)).toBeGreaterThan(
        Date.now() + 604_800_000 - 60_000,
      );
    });

    it('a second rotation during an overlap: the current secret becomes the previous one, the oldest stops', async () => {
      const first = await fiClient();
      const { next: second } = await rotate(first, { previousSecretExpiresIn: 3_600 });
      expect((await token(first)).status).toBe(200);
      const { json, next: third } = await rotate(second, { previousSecretExpiresIn: 60 });
      expect(Date.parse(json.previousSecretExpiresAt as string)).toBeLessThanOrEqual(
        Date.now() + 60_000,
      );
      expect((await token(first)).status).toBe(401);
      expect((await token(second)).status).toBe(200);
      expect((await token(third)).status).toBe(200);
      // A second rotation with no overlap ends every older secret at once.
      const { next: fourth } = await rotate(third);
      expect((await token(third)).status).toBe(401);
      expect((await token(second)).status).toBe(401);
      expect((await token(fourth)).status).toBe(200);
    });

    it('an FI admin rotates its own FI clients only', async () => {
      const own = await fiClient();
      const foreign = await createClient(auth.url, {
        institutionId: 'fi-two',
        scopes: ['customers:read'],
      });
      const ok = await call('POST', `/admin/v1/clients/${own.clientId}/secret`, fiAdminToken, {
        previousSecretExpiresIn: 30,
      });
      expect(ok.status).toBe(200);
      const res = await call('POST', `/admin/v1/clients/${foreign.clientId}/secret`, fiAdminToken, {
        previousSecretExpiresIn: 30,
      });
      expect(res.status).toBe(404);
      expect((await token(foreign)).status).toBe(200);
    });
  });

  describe('last used', () => {
    it('lastUsedAt appears shortly after the token endpoint issues the client a token', async () => {
      const c = await fiClient();
      expect((await view(c.clientId)).lastUsedAt).toBeNull();
      const before = Date.now();
      expect((await token(c)).status).toBe(200);
      let lastUsedAt: unknown = null;
      const deadline = Date.now() + 10_000;
      while (lastUsedAt === null && Date.now() < deadline) {
        await sleep(200);
        lastUsedAt = (await view(c.clientId)).lastUsedAt;
      }
      expect(typeof lastUsedAt).toBe('string');
      expect(Date.parse(lastUsedAt as string)).toBeGreaterThanOrEqual(before - 1_000);
      expect(Date.parse(lastUsedAt as string)).toBeLessThanOrEqual(Date.now());
      const listed = (await (
        await call('GET', '/admin/v1/clients?institutionId=fi-one&limit=500', adminToken)
      ).json()) as { clients: { clientId: string; lastUsedAt: string | null }[] };
      expect(listed.clients.find((x) => x.clientId === c.clientId)?.lastUsedAt).toBe(lastUsedAt);
    });
  });

  describe('try-it tokens: POST /admin/v1/clients/{clientId}/tokens', () => {
    const jwks = () => createRemoteJWKSet(new URL(`${auth.url}/.well-known/jwks.json`));

    it("answers a real access token of the client, verifiable with the JWKS, with the client's claims", async () => {
      const c = await fiClient(['customers:read', 'account:read', 'banking-activities:read'], {
        defaultScopes: ['customers:read'],
      });
      const res = await mint(c.clientId, {
        scopes: ['account:read', 'banking-activities:read'],
        expiresIn: 120,
      });
      expect(res.status).toBe(200);
      expect(res.headers.get('cache-control')).toBe('no-store');
      const body = (await res.json()) as Record<string, unknown> & { access_token: string };
      expect(body).toEqual({
        access_token: expect.any(String),
        token_type: 'Bearer',
        expires_in: 120,
        scope: 'account:read banking-activities:read',
      });
      const { payload, protectedHeader } = await jwtVerify(body.access_token, jwks(), {
        issuer: auth.env.AUTH_ISSUER,
        audience: 'digital-banking-api',
        typ: 'at+jwt',
      });
      expect(protectedHeader).toMatchObject({ alg: 'ES256', kid: expect.any(String) });
      expect(payload).toMatchObject({
        sub: c.clientId,
        client_id: c.clientId,
        institution_id: 'fi-one',
        scope: 'account:read banking-activities:read',
        jti: expect.any(String),
      });
      expect(payload.exp! - payload.iat!).toBe(120);
      expect(Math.abs(payload.exp! - (Date.now() / 1000 + 120))).toBeLessThan(5);

      // Defaults: the client's default scopes, 300 s.
      const defaults = (await (await mint(c.clientId)).json()) as Record<string, unknown>;
      expect(defaults).toMatchObject({ expires_in: 300, scope: 'customers:read' });
      const { payload: p2 } = await jwtVerify(defaults.access_token as string, jwks());
      expect(p2.exp! - p2.iat!).toBe(300);
      // Introspection sees an active token of that client.
      const introspected = await postForm(
        `${auth.url}/oauth2/v1/introspect`,
        { token: defaults.access_token as string },
        { basic: c },
      );
      expect(introspected.body).toMatchObject({ active: true, client_id: c.clientId });
    });

    it('refuses scopes the client does not hold, internal scopes and bad lifetimes with 400, issuing nothing', async () => {
      const c = await fiClient();
      for (const [body, pointer] of [
        [{ scopes: ['customers:write'] }, '/scopes/0'],
        [{ scopes: ['customers:read', 'nope'] }, '/scopes/1'],
        [{ scopes: [] }, '/scopes'],
        [{ scopes: 'customers:read' }, '/scopes'],
        [{ expiresIn: 59 }, '/expiresIn'],
        [{ expiresIn: 901 }, '/expiresIn'],
        [{ expiresIn: '300' }, '/expiresIn'],
        [{ expiresIn: null }, '/expiresIn'],
        [{ unknown: 1 }, '/unknown'],
      ] as const) {
        const res = await mint(c.clientId, body);
        expect(res.status).toBe(400);
        expect(res.headers.get('content-type')).toMatch(/^application\/problem\+json/);
        const problem = (await res.json()) as { code: string; errors: { pointer: string }[] };
        expect(problem.errors.map((e) => e.pointer)).toContain(pointer);
      }
      // The portal's own client holds internal:sandbox:admin; no admin mints a token with it.
      const internal = await mint(PORTAL.clientId, { scopes: ['internal:sandbox:admin'] });
      expect(internal.status).toBe(400);
      expect(await internal.json()).toMatchObject({
        code: 'AUTH_INVALID_TOKEN_REQUEST',
        errors: [{ pointer: '/scopes/0' }],
      });
    });

    it('is refused for a disabled client (409), whose earlier try-it tokens die within 5 s', async () => {
      const c = await fiClient();
      const rs = await startResourceServer(auth.env);
      try {
        const minted = (await (await mint(c.clientId)).json()) as { access_token: string };
        const probe = () =>
          fetch(`${rs.url}/probe`, { headers: { authorization: `Bearer ${minted.access_token}` } });
        expect((await probe()).status).toBe(200);
        expect(
          (await call('POST', `/admin/v1/clients/${c.clientId}/disable`, adminToken)).status,
        ).toBe(200);
        const refused = await mint(c.clientId);
        expect(refused.status).toBe(409);
        expect(await refused.json()).toMatchObject({ code: 'AUTH_CLIENT_DISABLED' });
        const start = Date.now();
        while ((await probe()).status !== 401) {
          if (Date.now() - start > 5_000) throw new Error('try-it token still accepted after 5 s');
          await sleep(100);
        }
      } finally {
        await rs.close();
      }
    });

    it('an FI admin mints for its own FI only; unknown clients are 404; clients:admin is needed', async () => {
      const own = await fiClient();
      const foreign = await createClient(auth.url, {
        institutionId: 'fi-two',
        scopes: ['customers:read'],
      });
      expect((await mint(own.clientId, {}, fiAdminToken)).status).toBe(200);
      const res = await mint(foreign.clientId, {}, fiAdminToken);
      expect(res.status).toBe(404);
      expect(await res.json()).toMatchObject({ code: 'AUTH_CLIENT_NOT_FOUND' });
      expect((await mint('cl_nope')).status).toBe(404);
      const plain = await clientToken(auth.url, own);
      const forbidden = await mint(own.clientId, {}, plain);
      expect(forbidden.status).toBe(403);
      expect(forbidden.headers.get('www-authenticate')).toContain('insufficient_scope');
    });

    it('refuses a client without the client_credentials grant (409), and does not move its lastUsedAt', async () => {
      const mobile = await fiClient(['profile:read'], {
        grantTypes: ['password', 'refresh_token'],
      });
      const res = await mint(mobile.clientId);
      expect(res.status).toBe(409);
      expect(await res.json()).toMatchObject({ code: 'AUTH_CLIENT_GRANT_NOT_ALLOWED' });
      const c = await fiClient();
      expect((await mint(c.clientId)).status).toBe(200);
      await sleep(1_500); // past the background write's delay
      expect((await view(c.clientId)).lastUsedAt).toBeNull();
    });

    it('counts as issuance in /metrics', async () => {
      const c = await fiClient();
      expect((await mint(c.clientId)).status).toBe(200);
      const metrics = await (await fetch(`${auth.url}/metrics`)).text();
      expect(metrics).toMatch(/auth_tokens_issued_total\{grant_type="admin_try_it"\} [1-9]/);
    });
  });

  describe('the developer portal internal client', () => {
    it('is ensured from PORTAL_CLIENT_SECRET in the platform institution with exactly its scopes', async () => {
      const portal = await view(PORTAL.clientId);
      expect(portal).toMatchObject({
        clientId: 'developer-portal',
        institutionId: 'platform',
        status: 'active',
        grantTypes: ['client_credentials'],
      });
      expect([...(portal.scopes as string[])].sort()).toEqual([
        'clients:admin',
        'internal:sandbox:admin',
      ]);
      const res = await token(PORTAL);
      expect(res.status).toBe(200);
      expect((res.body.scope as string).split(' ').sort()).toEqual([
        'clients:admin',
        'internal:sandbox:admin',
      ]);
      // With it, the portal manages a sandbox FI's apps and mints try-it tokens for them.
      const portalToken = await clientToken(auth.url, PORTAL, 'clients:admin');
      const app = await createClient(
        auth.url,
        { institutionId: 'sbx-dev-1', scopes: ['banking-activities:read', 'account:read'] },
        PORTAL,
      );
      expect((await mint(app.clientId, {}, portalToken)).status).toBe(200);
    });
  });
});

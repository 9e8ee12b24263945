import { createTestDatabase, type TestDatabase } from '../support/database';
import { Logger } from '@nestjs/common';
import { REVOCATION_CHECK } from '@app/common';
import type { RevocationPoller } from '../../libs/common/src/auth/revocation.poller';
import {
  ADMIN,
  INTERNAL,
  clientToken,
  createClient,
  feedClientEnv,
  postForm,
  startAuthServer,
  type Credentials,
  type RunningApp,
} from '../support/platform';
import { startResourceServer } from '../support/resource-server';

describe('auth-server: introspection (RFC 7662) and revocation (RFC 7009)', () => {
  let db: TestDatabase;
  let auth: RunningApp & { env: Record<string, string> };
  let rs: RunningApp;
  let app: Credentials;
  let sibling: Credentials;
  let otherFi: Credentials;

  beforeAll(async () => {
    db = await createTestDatabase('auth_intro');
    auth = await startAuthServer(db);
    rs = await startResourceServer(auth.env);
    app = await createClient(auth.url, { institutionId: 'fi-one', scopes: ['customers:read'] });
    sibling = await createClient(auth.url, { institutionId: 'fi-one', scopes: ['customers:read'] });
    otherFi = await createClient(auth.url, { institutionId: 'fi-two', scopes: ['customers:read'] });
  });
  afterAll(async () => {
    await rs?.close();
    await auth?.close();
    await db?.drop();
  });

  const introspect = (token: string, as: Credentials) =>
    postForm(`${auth.url}/oauth2/v1/introspect`, { token }, { basic: as });
  const probe = (token: string) =>
    fetch(`${rs.url}/probe`, { headers: { authorization: `Bearer ${token}` } });

  async function until(check: () => Promise<boolean>, what: string, ms = 10_000): Promise<void> {
    const deadline = Date.now() + ms;
    while (!(await check())) {
      if (Date.now() > deadline) throw new Error(`gave up waiting for ${what}`);
      await new Promise((r) => setTimeout(r, 100));
    }
  }

  async function refusedWithin(token: string, ms: number): Promise<number> {
    const start = Date.now();
    while (Date.now() - start < ms) {
      if ((await probe(token)).status === 401) return Date.now() - start;
      await new Promise((r) => setTimeout(r, 100));
    }
    throw new Error(`still accepted after ${ms} ms`);
  }

  describe('introspection', () => {
    it('describes an active access token to a client of the same FI', async () => {
      const token = await clientToken(auth.url, app);
      const res = await introspect(token, sibling);
      expect(res.status).toBe(200);
      expect(res.headers.get('cache-control')).toBe('no-store');
      expect(res.body).toMatchObject({
        active: true,
        token_type: 'Bearer',
        client_id: app.clientId,
        sub: app.clientId,
        institution_id: 'fi-one',
        scope: 'customers:read',
        iss: auth.url,
        exp: expect.any(Number),
        iat: expect.any(Number),
      });
    });

    it('reads a token of another FI as inactive', async () => {
      expect((await introspect(await clientToken(auth.url, app), otherFi)).body).toEqual({
        active: false,
      });
    });

    it('reads garbage as inactive', async () => {
      expect((await introspect('garbage', app)).body).toEqual({ active: false });
      expect((await introspect('a.b.c', app)).body).toEqual({ active: false });
    });

    it('requires client authentication and a token parameter', async () => {
      const anonymous = await postForm(`${auth.url}/oauth2/v1/introspect`, { token: 'x' });
      expect(anonymous.status).toBe(401);
      expect(anonymous.body.error).toBe('invalid_client');
      const missing = await postForm(`${auth.url}/oauth2/v1/introspect`, {}, { basic: app });
      expect(missing.status).toBe(400);
      expect(missing.body.error).toBe('invalid_request');
    });
  });

  describe('revocation', () => {
    it('POST: a revoked access token is inactive at once and refused by a resource server within 5 s', async () => {
      const token = await clientToken(auth.url, app);
      expect((await probe(token)).status).toBe(200);
      const res = await postForm(
        `${auth.url}/oauth2/v1/revoke`,
        { token, token_type_hint: 'access_token' },
        { basic: app },
      );
      expect(res.status).toBe(200);
      expect((await introspect(token, app)).body).toEqual({ active: false });
      expect(await refusedWithin(token, 5_000)).toBeLessThan(5_000);
    });

    it('DELETE with the token in the query string works too', async () => {
      const token = await clientToken(auth.url, app);
      const res = await postForm(
        `${auth.url}/oauth2/v1/revoke?token=${encodeURIComponent(token)}`,
        {},
        { basic: app, method: 'DELETE' },
      );
      expect(res.status).toBe(200);
      expect((await introspect(token, app)).body).toEqual({ active: false });
    });

    it('DELETE with a form body', async () => {
      const token = await clientToken(auth.url, app);
      const res = await postForm(
        `${auth.url}/oauth2/v1/revoke`,
        { token },
        { basic: app, method: 'DELETE' },
      );
      expect(res.status).toBe(200);
      expect((await introspect(token, app)).body).toEqual({ active: false });
    });

    it("answers 200 but revokes nothing for another client's token or an unknown token", async () => {
      const token = await clientToken(auth.url, app);
      expect(
        (await postForm(`${auth.url}/oauth2/v1/revoke`, { token }, { basic: sibling })).status,
      ).toBe(200);
      expect((await introspect(token, app)).body.active).toBe(true);
      expect(
        (await postForm(`${auth.url}/oauth2/v1/revoke`, { token: 'unknown' }, { basic: app }))
          .status,
      ).toBe(200);
      // An unknown hint is ignored (RFC 7009 §2.1).
      expect(
        (
          await postForm(
            `${auth.url}/oauth2/v1/revoke`,
            { token, token_type_hint: 'weird' },
            { basic: sibling },
          )
        ).status,
      ).toBe(200);
    });

    it('requires client authentication and a token', async () => {
      expect((await postForm(`${auth.url}/oauth2/v1/revoke`, { token: 'x' })).status).toBe(401);
      const missing = await postForm(
        `${auth.url}/oauth2/v1/revoke`,
        {},
        { basic: app, method: 'DELETE' },
      );
      expect(missing.status).toBe(400);
      expect(missing.body.error).toBe('invalid_request');
    });

    it('publishes revoked ids to the platform services only, and refuses a bad since', async () => {
      const token = await clientToken(auth.url, app);
      await postForm(`${auth.url}/oauth2/v1/revoke`, { token }, { basic: app });
      const jti = JSON.parse(Buffer.from(token.split('.')[1]!, 'base64url').toString())
        .jti as string;
      const feedAs = (bearer: string | undefined, query = '') =>
        fetch(`${auth.url}/oauth2/v1/revocations${query}`, {
          headers: bearer ? { authorization: `Bearer ${bearer}` } : {},
        });

      const anonymous = await feedAs(undefined);
      expect(anonymous.status).toBe(401);
      expect(anonymous.headers.get('www-authenticate')).toMatch(/^Bearer error="invalid_token"/);
      const fiToken = await feedAs(await clientToken(auth.url, app));
      expect(fiToken.status).toBe(403);

      const internal = await clientToken(
        auth.url,
        INTERNAL.activityService,
        'internal:revocations:read',
      );

      const feed = (await (await feedAs(internal)).json()) as {
        revocations: { jti: string }[];
        asOf: string;
      };
      expect(feed.revocations.map((r) => r.jti)).toContain(jti);
      const since = encodeURIComponent(new Date(Date.now() + 60_000).toISOString());
      const later = (await (await feedAs(internal, `?since=${since}`)).json()) as {
        revocations: unknown[];
        clientRevocations: unknown[];
      };
      expect(later).toMatchObject({ revocations: [], clientRevocations: [] });
      const bad = await feedAs(internal, '?since=yesterday');
      expect(bad.status).toBe(400);
      expect(bad.headers.get('content-type')).toMatch(/problem\+json/);
    });
  });

  describe('disabling a client', () => {
    it("refuses its access tokens everywhere within 5 s: resource servers, the auth-server's admin API, introspection", async () => {
      // An FI admin client, so that its token is good at the auth-server's admin API too.
      const victim = await createClient(auth.url, {
        institutionId: 'fi-one',
        scopes: ['customers:read', 'clients:admin'],
      });
      const token = await clientToken(auth.url, victim, 'customers:read clients:admin');
      const adminApi = () =>
        fetch(`${auth.url}/admin/v1/clients`, { headers: { authorization: `Bearer ${token}` } });
      expect((await probe(token)).status).toBe(200);
      expect((await adminApi()).status).toBe(200);
      expect((await introspect(token, sibling)).body.active).toBe(true);
      const untouched = await clientToken(auth.url, app);

      const adminToken = await clientToken(auth.url, ADMIN, 'clients:admin');
      const disabled = await fetch(`${auth.url}/admin/v1/clients/${victim.clientId}/disable`, {
        method: 'POST',
        headers: { authorization: `Bearer ${adminToken}` },
      });
      expect(disabled.status).toBe(200);

      expect((await adminApi()).status).toBe(401);
      expect((await introspect(token, sibling)).body).toEqual({ active: false });
      expect(await refusedWithin(token, 5_000)).toBeLessThan(5_000);
      // Another client's token is not affected.
      expect((await probe(untouched)).status).toBe(200);
      expect((await introspect(untouched, sibling)).body.active).toBe(true);
    });

    it('a resource server that can no longer read the feed keeps its last list, and says so', async () => {
      const warn = jest.spyOn(Logger.prototype, 'warn');
      const other = await startResourceServer({
        ...auth.env,
        ...feedClientEnv(INTERNAL.customerService),
      });
      try {
        const token = await clientToken(auth.url, app);
        const probeOther = () =>
          fetch(`${other.url}/probe`, { headers: { authorization: `Bearer ${token}` } });
        expect((await probeOther()).status).toBe(200);
        await postForm(`${auth.url}/oauth2/v1/revoke`, { token }, { basic: app });
        await until(async () => (await probeOther()).status === 401, 'the revoked token refused');

        // Its client is disabled: its feed token is refused, and no new one is issued.
        const adminToken = await clientToken(auth.url, ADMIN, 'clients:admin');
        const disabled = await fetch(
          `${auth.url}/admin/v1/clients/${INTERNAL.customerService.clientId}/disable`,
          { method: 'POST', headers: { authorization: `Bearer ${adminToken}` } },
        );
        expect(disabled.status).toBe(200);
        const warned = () =>
          warn.mock.calls.some(([message]) =>
            /revocation list not refreshed/.test(String(message)),
          );
        const poller = other.app.get<RevocationPoller>(REVOCATION_CHECK, { strict: false });
        await until(async () => {
          await poller.poll();
          return warned();
        }, 'a warning that the feed cannot be read');

        expect((await probeOther()).status).toBe(401);
        const messages = warn.mock.calls.map(([message]) => String(message)).join('\n');
        expect(messages).not.toContain(INTERNAL.customerService.clientSecret);
      } finally {
        warn.mockRestore();
        await other.close();
      }
    });
  });
});

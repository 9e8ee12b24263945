import { createTestDatabase, type TestDatabase } from '../support/database';
import {
  clientToken,
  createClient,
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

    it('publishes revoked ids for resource servers, and refuses a bad since', async () => {
      const token = await clientToken(auth.url, app);
      await postForm(`${auth.url}/oauth2/v1/revoke`, { token }, { basic: app });
      const jti = JSON.parse(Buffer.from(token.split('.')[1]!, 'base64url').toString())
        .jti as string;
      const feed = (await (await fetch(`${auth.url}/oauth2/v1/revocations`)).json()) as {
        revocations: { jti: string }[];
        asOf: string;
      };
      expect(feed.revocations.map((r) => r.jti)).toContain(jti);
      const later = (await (
        await fetch(
          `${auth.url}/oauth2/v1/revocations?since=${encodeURIComponent(new Date(Date.now() + 60_000).toISOString())}`,
        )
      ).json()) as {
        revocations: unknown[];
      };
      expect(later.revocations).toEqual([]);
      const bad = await fetch(`${auth.url}/oauth2/v1/revocations?since=yesterday`);
      expect(bad.status).toBe(400);
      expect(bad.headers.get('content-type')).toMatch(/problem\+json/);
    });
  });
});

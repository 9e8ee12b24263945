import { Client } from 'pg';
import { createTestDatabase, type TestDatabase } from '../support/database';
import {
  claimsFor,
  type CryptoKey,
  foreignKey,
  realSigningKey,
  signEs256,
  signHs256,
  unsigned,
  withS,
} from '../support/forge';
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

describe('resource server (libs/common bearer verification) against the auth-server', () => {
  let db: TestDatabase;
  let auth: RunningApp & { env: Record<string, string> };
  let rs: RunningApp;
  let app: Credentials;

  beforeAll(async () => {
    db = await createTestDatabase('auth_rs');
    // Keys are reloaded every second, so a key whose publication ends leaves the JWKS quickly.
    auth = await startAuthServer(db, { KEY_REFRESH_MS: '1000' });
    rs = await startResourceServer(auth.env);
    app = await createClient(auth.url, {
      institutionId: 'fi-one',
      scopes: ['customers:read', 'profile:read'],
    });
  });
  afterAll(async () => {
    await rs?.close();
    await auth?.close();
    await db?.drop();
  });

  const probe = (token?: string, headers: Record<string, string> = {}) =>
    fetch(`${rs.url}/probe`, {
      headers: { ...(token ? { authorization: `Bearer ${token}` } : {}), ...headers },
    });

  async function expectInvalidToken(res: Response): Promise<void> {
    expect(res.status).toBe(401);
    expect(res.headers.get('www-authenticate')).toMatch(/^Bearer error="invalid_token"/);
    expect(res.headers.get('content-type')).toMatch(/^application\/problem\+json/);
    const body = (await res.json()) as Record<string, unknown>;
    expect(body).toMatchObject({
      status: 401,
      code: 'INVALID_TOKEN',
      transactionId: expect.any(String),
    });
  }

  it('accepts a token from the auth-server and exposes the FI context', async () => {
    const token = await clientToken(auth.url, app, 'customers:read');
    const res = await probe(token);
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({
      subject: app.clientId,
      clientId: app.clientId,
      institutionId: 'fi-one',
      scopes: ['customers:read'],
    });
  });

  it('refuses a missing token', async () => {
    await expectInvalidToken(await probe());
  });

  it('refuses a token without the route scope: 403 insufficient_scope', async () => {
    const res = await probe(await clientToken(auth.url, app, 'profile:read'));
    expect(res.status).toBe(403);
    expect(res.headers.get('www-authenticate')).toBe(
      'Bearer error="insufficient_scope", scope="customers:read"',
    );
    expect(await res.json()).toMatchObject({ code: 'INSUFFICIENT_SCOPE', status: 403 });
  });

  it('refuses an institutionId header that disagrees with the token', async () => {
    const token = await clientToken(auth.url, app, 'customers:read');
    expect((await probe(token, { institutionId: 'fi-one' })).status).toBe(200);
    const res = await probe(token, { institutionId: 'fi-two' });
    expect(res.status).toBe(403);
    expect(await res.json()).toMatchObject({ code: 'INSTITUTION_MISMATCH' });
  });

  describe('forged and unfit tokens are refused', () => {
    let real: { kid: string; key: CryptoKey };
    beforeAll(async () => {
      real = await realSigningKey(db.url, auth.env.KEY_ENCRYPTION_KEY!);
    });

    it('control: a token signed by the real key with good claims passes', async () => {
      expect(
        (await probe(await signEs256(claimsFor(auth.url), real.key, { kid: real.kid }))).status,
      ).toBe(200);
    });

    it('alg: none', async () => {
      await expectInvalidToken(await probe(unsigned(claimsFor(auth.url), real.kid)));
    });

    it('HS256, keyed with the public JWK (algorithm confusion)', async () => {
      const jwks = await (await fetch(`${auth.url}/.well-known/jwks.json`)).text();
      await expectInvalidToken(await probe(await signHs256(claimsFor(auth.url), jwks, real.kid)));
    });

    it('a foreign ES256 key, even claiming the real kid', async () => {
      await expectInvalidToken(
        await probe(await signEs256(claimsFor(auth.url), await foreignKey(), { kid: real.kid })),
      );
      await expectInvalidToken(
        await probe(
          await signEs256(claimsFor(auth.url), await foreignKey(), { kid: 'unknown-kid' }),
        ),
      );
    });

    it('wrong issuer', async () => {
      await expectInvalidToken(
        await probe(
          await signEs256(claimsFor('https://evil.example'), real.key, { kid: real.kid }),
        ),
      );
    });

    it('wrong audience', async () => {
      await expectInvalidToken(
        await probe(
          await signEs256(claimsFor(auth.url, { aud: 'other-api' }), real.key, { kid: real.kid }),
        ),
      );
    });

    it('wrong typ (a plain JWT or an ID token)', async () => {
      for (const typ of ['JWT', 'id_token+jwt']) {
        await expectInvalidToken(
          await probe(await signEs256(claimsFor(auth.url), real.key, { kid: real.kid, typ })),
        );
      }
    });

    it('expired', async () => {
      const past = Math.floor(Date.now() / 1000) - 3600;
      const token = await signEs256(claimsFor(auth.url, { iat: past - 900, exp: past }), real.key, {
        kid: real.kid,
      });
      const res = await probe(token);
      await expectInvalidToken(res);
    });

    it('missing required claims', async () => {
      const claims = claimsFor(auth.url);
      delete claims.institution_id;
      await expectInvalidToken(await probe(await signEs256(claims, real.key, { kid: real.kid })));
    });

    it('a crit header parameter (no JWS extension is understood)', async () => {
      const token = await signEs256(claimsFor(auth.url), real.key, {
        kid: real.kid,
        crit: ['urn:example:ext'],
        'urn:example:ext': true,
      });
      await expectInvalidToken(await probe(token));
    });

    it('issued in the future', async () => {
      const later = Math.floor(Date.now() / 1000) + 3600;
      const token = await signEs256(
        claimsFor(auth.url, { iat: later, exp: later + 300 }),
        real.key,
        {
          kid: real.kid,
        },
      );
      await expectInvalidToken(await probe(token));
    });

    it('living far longer than the platform issues tokens for', async () => {
      const now = Math.floor(Date.now() / 1000);
      const token = await signEs256(
        claimsFor(auth.url, { iat: now, exp: now + 30 * 86_400 }),
        real.key,
        {
          kid: real.kid,
        },
      );
      await expectInvalidToken(await probe(token));
    });

    it('the high-S twin of a valid signature (one token, one valid text)', async () => {
      const token = await signEs256(claimsFor(auth.url), real.key, { kid: real.kid });
      await expectInvalidToken(await probe(withS(token, 'high')));
      expect((await probe(withS(token, 'low'))).status).toBe(200);
    });

    it("the auth-server's own admin API refuses them too", async () => {
      const claims = claimsFor(auth.url, { institution_id: 'platform', scope: 'clients:admin' });
      const good = await signEs256(claims, real.key, { kid: real.kid });
      const admin = (token: string) =>
        fetch(`${auth.url}/admin/v1/clients`, { headers: { authorization: `Bearer ${token}` } });
      expect((await admin(good)).status).toBe(200);
      const now = Math.floor(Date.now() / 1000);
      const unfit = [
        await signEs256(claimsFor(auth.url, { ...claims, jti: 'x1' }), real.key, {
          kid: real.kid,
          crit: ['urn:example:ext'],
          'urn:example:ext': true,
        }),
        await signEs256({ ...claims, iat: now + 3600, exp: now + 3900 }, real.key, {
          kid: real.kid,
        }),
        await signEs256({ ...claims, exp: now + 30 * 86_400 }, real.key, { kid: real.kid }),
        withS(await signEs256({ ...claims, jti: 'x2' }, real.key, { kid: real.kid }), 'high'),
      ];
      for (const token of unfit) await expectInvalidToken(await admin(token));
    });

    it('garbage', async () => {
      await expectInvalidToken(await probe('not.a.jwt'));
      await expectInvalidToken(await probe('x'));
    });
  });

  it('accepts a token signed with a retired key that is still published, and new tokens use the new key', async () => {
    // The resource server cached the JWKS before the rotation; the promoted key was already in it.
    const before = await clientToken(auth.url, app, 'customers:read');
    const adminToken = await clientToken(auth.url, ADMIN, 'clients:admin');
    const rotated = await fetch(`${auth.url}/admin/v1/keys/rotate`, {
      method: 'POST',
      headers: { authorization: `Bearer ${adminToken}` },
    });
    expect(rotated.status).toBe(200);
    const rotation = (await rotated.json()) as {
      kid: string;
      previousKid: string;
      previousKeyPublishedUntil: string;
    };
    expect(rotation.previousKid).not.toBe(rotation.kid);

    // Published: the new signing key, the retired one, and the next one waiting.
    const jwks = (await (await fetch(`${auth.url}/oauth2/v1/keys`)).json()) as {
      keys: { kid: string }[];
    };
    const kids = jwks.keys.map((k) => k.kid);
    expect(kids).toHaveLength(3);
    expect(kids).toEqual(expect.arrayContaining([rotation.kid, rotation.previousKid]));

    expect((await probe(before)).status).toBe(200);
    const after = await clientToken(auth.url, app, 'customers:read');
    expect(JSON.parse(Buffer.from(after.split('.')[0]!, 'base64url').toString()).kid).toBe(
      rotation.kid,
    );
    expect((await probe(after)).status).toBe(200);
  });

  it('issues every token with a low-S signature, so each is accepted', async () => {
    for (let i = 0; i < 16; i++) {
      const token = await clientToken(auth.url, app, 'customers:read');
      expect(withS(token, 'low')).toBe(token);
      expect((await probe(token)).status).toBe(200);
    }
  });

  it('refuses tokens of a key the auth-server no longer publishes, remembered ones too, within the JWKS refresh period', async () => {
    const token = await clientToken(auth.url, app, 'customers:read');
    const kid = (
      JSON.parse(Buffer.from(token.split('.')[0]!, 'base64url').toString()) as { kid: string }
    ).kid;
    const retiring = await realSigningKey(db.url, auth.env.KEY_ENCRYPTION_KEY!, kid);
    expect((await probe(token)).status).toBe(200);

    const adminToken = await clientToken(auth.url, ADMIN, 'clients:admin');
    const rotated = await fetch(`${auth.url}/admin/v1/keys/rotate`, {
      method: 'POST',
      headers: { authorization: `Bearer ${adminToken}` },
    });
    expect(rotated.status).toBe(200);
    // Retired but still published: its tokens stay good.
    expect((await probe(token)).status).toBe(200);

    // The key's publication ends (as when its last token has expired).
    const pg = new Client({ connectionString: db.url });
    await pg.connect();
    try {
      await pg.query(`UPDATE auth.signing_keys SET publish_until = now() WHERE kid = $1`, [kid]);
    } finally {
      await pg.end();
    }
    await until(async () => {
      const jwks = (await (await fetch(`${auth.url}/.well-known/jwks.json`)).json()) as {
        keys: { kid: string }[];
      };
      return !jwks.keys.some((k) => k.kid === kid);
    }, 'the auth-server to stop publishing the key');

    // The remembered token, a never-seen one signed with that key, and the auth-server agree.
    await until(async () => (await probe(token)).status === 401, 'the remembered token refused');
    await expectInvalidToken(await probe(token));
    const unseen = await signEs256(claimsFor(auth.url), retiring.key, { kid });
    await expectInvalidToken(await probe(unseen));
    const introspection = await postForm(
      `${auth.url}/oauth2/v1/introspect`,
      { token },
      { basic: app },
    );
    expect(introspection.body).toEqual({ active: false });
  });
});

/** Polls `check` until it holds; fails after `ms` (JWKS_REFRESH_MS is 1 s in the tests). */
async function until(check: () => Promise<boolean>, what: string, ms = 10_000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`gave up waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

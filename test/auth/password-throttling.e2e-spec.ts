import { createHash } from 'node:crypto';
import { decodeJwt } from 'jose';
import { Client } from 'pg';
import { freePort } from '../../scripts/embedded-postgres';
import { STUB_CUSTOMER, startCredentialStub } from '../support/credential-stub';
import { createTestDatabase, type TestDatabase } from '../support/database';
import {
  createClient,
  postForm,
  startAuthServer,
  type Credentials,
  type RunningApp,
} from '../support/platform';

const EVERY_FI_SCOPE = [
  'customers:write',
  'customers:read',
  'profile:read',
  'profile:write',
  'disclosures:read',
  'disclosures:write',
  'banking-activities:read',
  'banking-activities:write',
  'account:read',
];
const NOT_FOR_CUSTOMERS = [
  'customers:write',
  'customers:read',
  'banking-activities:write',
  'disclosures:write',
  'clients:admin',
];

describe('auth-server: password grant, failed attempts, lockout wording and customer scopes', () => {
  let db: TestDatabase;
  let auth: RunningApp;
  let stub: Awaited<ReturnType<typeof startCredentialStub>>;
  let app: Credentials;
  let other: Credentials;
  let spread: Credentials;
  let tokenUrl: string;

  beforeAll(async () => {
    db = await createTestDatabase('auth_pw_throttle');
    const stubPort = await freePort();
    auth = await startAuthServer(db, {
      CUSTOMER_SERVICE_URL: `http://127.0.0.1:${stubPort}`,
      TRUSTED_PROXIES: '127.0.0.1',
      PASSWORD_FAILURE_LIMIT: '3',
      PASSWORD_FAILURE_CLIENT_LIMIT: '6',
      PASSWORD_FAILURE_WINDOW_SECONDS: '300',
      PASSWORD_FAILURE_BLOCK_SECONDS: '300',
    });
    stub = await startCredentialStub(stubPort, () => auth.url);
    tokenUrl = `${auth.url}/oauth2/v1/token`;
    const fiApp = {
      institutionId: 'fi-one',
      scopes: EVERY_FI_SCOPE,
      defaultScopes: EVERY_FI_SCOPE,
      grantTypes: ['client_credentials', 'password', 'refresh_token'],
    };
    app = await createClient(auth.url, fiApp);
    other = await createClient(auth.url, fiApp);
    spread = await createClient(auth.url, fiApp);
  });
  afterAll(async () => {
    await auth?.close();
    await stub?.close();
    await db?.drop();
  });

  const login = (
    client: Credentials,
    from: string,
    username = STUB_CUSTOMER.loginId,
    password = STUB_CUSTOMER.password,
    extra: Record<string, string> = {},
  ) =>
    postForm(
      tokenUrl,
      { grant_type: 'password', username, password, ...extra },
      { basic: client, headers: { 'x-forwarded-for': from } },
    );

  it('answers a locked account exactly like a wrong password', async () => {
    const locked = await login(app, '198.51.100.1', 'locked-user', 'whatever it is');
    const wrongPassword = await login(app, '198.51.100.2', STUB_CUSTOMER.loginId, 'nope nope');
    const unknown = await login(app, '198.51.100.3', 'nobody-here', 'nope nope');
    expect(wrongPassword.status).toBe(400);
    expect(wrongPassword.body.error).toBe('invalid_grant');
    expect(locked.status).toBe(wrongPassword.status);
    expect(locked.body).toEqual(wrongPassword.body);
    expect(unknown.body).toEqual(wrongPassword.body);
  });

  it('throttles failed password grants per address: 429 temporarily_unavailable with Retry-After', async () => {
    // Credential stuffing: a different loginId each time, so no account lockout helps.
    for (let i = 0; i < 3; i++)
      expect((await login(app, '203.0.113.9', `victim-${i}`, 'Summer2024!')).status).toBe(400);
    const blocked = await login(app, '203.0.113.9', `victim-9`, 'Summer2024!');
    expect(blocked.status).toBe(429);
    expect(Number(blocked.headers.get('retry-after'))).toBeGreaterThan(0);
    expect(blocked.body).toEqual({
      error: 'temporarily_unavailable',
      error_description: expect.any(String),
    });
    // Other clients are held back from that address too...
    expect((await login(other, '203.0.113.9', 'victim-10', 'Summer2024!')).status).toBe(429);
    // ...but a customer elsewhere logs in.
    expect((await login(app, '198.51.100.40')).status).toBe(200);
  });

  it("past the client's bound, every failing address is held back at its first failure", async () => {
    for (let i = 0; i < 6; i++)
      expect((await login(spread, `192.0.2.${i + 1}`, `guess-${i}`, 'hunter2!!')).status).toBe(400);
    expect((await login(spread, '192.0.2.50', 'guess-50', 'hunter2!!')).status).toBe(400);
    const next = await login(spread, '192.0.2.50', 'guess-51', 'hunter2!!');
    expect(next.status).toBe(429);
    expect(next.body.error).toBe('temporarily_unavailable');
    // A customer who has not failed still logs in through the same app.
    expect((await login(spread, '198.51.100.41')).status).toBe(200);
  });

  it('gives a password-grant token only customer scopes, even from a client holding every FI scope', async () => {
    const res = await login(app, '198.51.100.42');
    expect(res.status).toBe(200);
    const granted = (res.body.scope as string).split(' ');
    const claims = decodeJwt(res.body.access_token as string);
    const inToken = String(claims.scope).split(' ');
    for (const scope of NOT_FOR_CUSTOMERS) {
      expect(granted).not.toContain(scope);
      expect(inToken).not.toContain(scope);
    }
    expect(inToken).toEqual(
      expect.arrayContaining(['profile:read', 'profile:write', 'banking-activities:read']),
    );

    const asked = await login(app, '198.51.100.42', undefined, undefined, {
      scope: 'profile:read customers:write',
    });
    expect(asked.status).toBe(400);
    expect(asked.body.error).toBe('invalid_scope');
  });

  it('refreshes a customer token into customer scopes only, even one stored with FI scopes', async () => {
    const first = await login(app, '198.51.100.43');
    const refreshToken = first.body.refresh_token as string;
    // A refresh token issued before customer scopes were enforced.
    const pg = new Client({ connectionString: db.url });
    await pg.connect();
    try {
      await pg.query(`UPDATE auth.refresh_tokens SET scope = $1 WHERE token_hash = $2`, [
        'customers:write customers:read profile:read disclosures:write',
        createHash('sha256').update(refreshToken).digest('base64url'),
      ]);
    } finally {
      await pg.end();
    }
    const refreshed = await postForm(
      tokenUrl,
      { grant_type: 'refresh_token', refresh_token: refreshToken },
      { basic: app },
    );
    expect(refreshed.status).toBe(200);
    expect(refreshed.body.scope).toBe('profile:read');
    expect(decodeJwt(refreshed.body.access_token as string).scope).toBe('profile:read');

    const widened = await postForm(
      tokenUrl,
      {
        grant_type: 'refresh_token',
        refresh_token: refreshed.body.refresh_token as string,
        scope: 'customers:write',
      },
      { basic: app },
    );
    expect(widened.status).toBe(400);
    expect(widened.body.error).toBe('invalid_scope');
  });
});

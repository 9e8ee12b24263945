import { createTestDatabase, type TestDatabase } from '../support/database';
import {
  createClient,
  postForm,
  startAuthServer,
  type Credentials,
  type RunningApp,
} from '../support/platform';

describe('auth-server: throttling failed client authentication', () => {
  let db: TestDatabase;
  let auth: RunningApp;
  let victim: Credentials;
  let bystander: Credentials;

  beforeAll(async () => {
    db = await createTestDatabase('auth_throttle');
    // Three failures per window; addresses are told apart by X-Forwarded-For (trusted from loopback).
    auth = await startAuthServer(db, {
      FAILED_AUTH_LIMIT: '3',
      FAILED_AUTH_WINDOW_SECONDS: '60',
      FAILED_AUTH_BLOCK_SECONDS: '60',
    });
    victim = await createClient(auth.url, { institutionId: 'fi-one', scopes: ['customers:read'] });
    bystander = await createClient(auth.url, {
      institutionId: 'fi-one',
      scopes: ['customers:read'],
    });
  });
  afterAll(async () => {
    await auth?.close();
    await db?.drop();
  });

  const attempt = (c: Credentials, from: string) =>
    postForm(
      `${auth.url}/oauth2/v1/token`,
      { grant_type: 'client_credentials' },
      { basic: c, headers: { 'x-forwarded-for': from } },
    );

  it('blocks a client id after repeated failures, even with the right secret, with Retry-After', async () => {
    for (let i = 0; i < 3; i++) {
      expect(
        (await attempt({ ...victim, clientSecret: `guess-${i}` }, `203.0.113.${i + 1}`)).status,
      ).toBe(401);
    }
    const blocked = await attempt(victim, '203.0.113.50');
    expect(blocked.status).toBe(429);
    expect(Number(blocked.headers.get('retry-after'))).toBeGreaterThan(0);
    expect(blocked.body.error).toBe('temporarily_unavailable');
    // Another client from another address is unaffected.
    expect((await attempt(bystander, '203.0.113.60')).status).toBe(200);
  });

  it('blocks an address that fails across many client ids', async () => {
    for (let i = 0; i < 3; i++) {
      expect(
        (await attempt({ clientId: `cl_unknown_${i}`, clientSecret: 'x' }, '198.51.100.7')).status,
      ).toBe(401);
    }
    const blocked = await attempt(bystander, '198.51.100.7');
    expect(blocked.status).toBe(429);
    expect((await attempt(bystander, '198.51.100.8')).status).toBe(200);
  });
});

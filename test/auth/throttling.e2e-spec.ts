import { createTestDatabase, type TestDatabase } from '../support/database';
import {
  createClient,
  postForm,
  startAuthServer,
  type Credentials,
  type RunningApp,
} from '../support/platform';

// Per (client id, address) 3, per address 6, per client id across addresses 8 (non-blocking).
const LIMITS = {
  FAILED_AUTH_LIMIT: '3',
  FAILED_AUTH_ADDRESS_LIMIT: '6',
  FAILED_AUTH_CLIENT_LIMIT: '8',
  FAILED_AUTH_WINDOW_SECONDS: '60',
  FAILED_AUTH_BLOCK_SECONDS: '60',
};

const attempt = (url: string, c: Credentials, from?: string) =>
  postForm(
    `${url}/oauth2/v1/token`,
    { grant_type: 'client_credentials' },
    { basic: c, headers: from ? { 'x-forwarded-for': from } : {} },
  );

const wrong = (c: Credentials, i = 0): Credentials => ({ ...c, clientSecret: `guess-${i}` });

describe('auth-server: throttling failed client authentication', () => {
  let db: TestDatabase;
  // Two instances on one database, both behind a proxy on loopback (so X-Forwarded-For counts).
  let auth: RunningApp & { env: Record<string, string> };
  let replica: RunningApp;
  const clients: Record<string, Credentials> = {};

  beforeAll(async () => {
    db = await createTestDatabase('auth_throttle');
    auth = await startAuthServer(db, { ...LIMITS, TRUSTED_PROXIES: '127.0.0.1' });
    replica = await startAuthServer(db, { ...auth.env, TRUSTED_PROXIES: '127.0.0.1' });
    for (const name of ['victim', 'spread', 'shared', 'bystander', 'proxied']) {
      clients[name] = await createClient(auth.url, {
        institutionId: 'fi-one',
        scopes: ['customers:read'],
      });
    }
  });
  afterAll(async () => {
    await replica?.close();
    await auth?.close();
    await db?.drop();
  });

  it('does not let a third party lock a client out: the owner from its own address still gets in', async () => {
    const victim = clients.victim;
    // More failures than any per-client-id limit, from one attacker address...
    for (let i = 0; i < 3; i++)
      expect((await attempt(auth.url, wrong(victim, i), '203.0.113.1')).status).toBe(401);
    // ...which is then refused for this client, even with the right secret, with Retry-After.
    const blocked = await attempt(auth.url, victim, '203.0.113.1');
    expect(blocked.status).toBe(429);
    expect(blocked.body.error).toBe('temporarily_unavailable');
    expect(Number(blocked.headers.get('retry-after'))).toBeGreaterThan(0);
    // ...and from more attacker addresses, past the per-client-id bound (9 failures > 8).
    for (const host of [2, 3])
      for (let i = 0; i < 3; i++)
        expect((await attempt(auth.url, wrong(victim, i), `203.0.113.${host}`)).status).toBe(401);

    const owner = await attempt(auth.url, victim, '198.51.100.20');
    expect(owner.status).toBe(200);
    expect(owner.body.access_token).toEqual(expect.any(String));
  });

  it('past the per-client bound, each failing address is blocked at its first failure', async () => {
    const spread = clients.spread;
    // 8 failures over 4 addresses, each under the per-(client, address) limit of 3.
    for (const host of [1, 2, 3, 4])
      for (let i = 0; i < 2; i++)
        expect((await attempt(auth.url, wrong(spread, i), `192.0.2.${host}`)).status).toBe(401);
    expect((await attempt(auth.url, wrong(spread), '192.0.2.5')).status).toBe(401);
    expect((await attempt(auth.url, spread, '192.0.2.5')).status).toBe(429);
    // The owner, who has not failed from its address, is not affected.
    expect((await attempt(auth.url, spread, '198.51.100.21')).status).toBe(200);
  });

  it('shares the counts between instances on one database', async () => {
    const shared = clients.shared;
    for (let i = 0; i < 3; i++)
      expect((await attempt(auth.url, wrong(shared, i), '203.0.113.70')).status).toBe(401);
    const onReplica = await attempt(replica.url, shared, '203.0.113.70');
    expect(onReplica.status).toBe(429);
    expect(onReplica.body.error).toBe('temporarily_unavailable');
    expect((await attempt(replica.url, shared, '203.0.113.71')).status).toBe(200);
  });

  it('a replica that found a caller clean sees a block made elsewhere within FAILED_AUTH_CHECK_CACHE_MS', async () => {
    const shared = clients.shared;
    // The replica checks this (client, address) and finds it clean: it remembers that for 1 s.
    expect((await attempt(replica.url, shared, '203.0.113.72')).status).toBe(200);
    for (let i = 0; i < 3; i++)
      expect((await attempt(auth.url, wrong(shared, i), '203.0.113.72')).status).toBe(401);
    const deadline = Date.now() + 5_000;
    let status = 0;
    while (Date.now() < deadline && status !== 429) {
      status = (await attempt(replica.url, shared, '203.0.113.72')).status;
      if (status !== 429) await new Promise((r) => setTimeout(r, 100));
    }
    expect(status).toBe(429);
  });

  it('blocks an address that fails across many client ids', async () => {
    for (let i = 0; i < 6; i++) {
      const unknown = { clientId: `cl_unknown_${i}`, clientSecret: 'x' };
      expect((await attempt(auth.url, unknown, '198.51.100.7')).status).toBe(401);
    }
    const blocked = await attempt(replica.url, clients.bystander, '198.51.100.7');
    expect(blocked.status).toBe(429);
    expect((await attempt(auth.url, clients.bystander, '198.51.100.8')).status).toBe(200);
  });

  it('keeps a client id too long for the store from breaking the endpoint', async () => {
    const res = await attempt(
      auth.url,
      { clientId: 'c'.repeat(400), clientSecret: 'x' },
      '192.0.2.99',
    );
    expect(res.status).toBe(401);
  });

  it('believes X-Forwarded-For from a configured proxy', async () => {
    const proxied = clients.proxied;
    for (let i = 0; i < 3; i++)
      expect((await attempt(auth.url, wrong(proxied, i), '192.0.2.150')).status).toBe(401);
    expect((await attempt(auth.url, proxied, '192.0.2.150')).status).toBe(429);
    // Another client address behind the same proxy is someone else.
    expect((await attempt(auth.url, proxied, '192.0.2.151')).status).toBe(200);
  });
});

describe('auth-server: X-Forwarded-For from a peer that is not a configured proxy', () => {
  let db: TestDatabase;
  let auth: RunningApp;
  let client: Credentials;

  beforeAll(async () => {
    db = await createTestDatabase('auth_throttle_direct');
    // No proxy configured (the default): the peer's own address is the client address.
    auth = await startAuthServer(db, { ...LIMITS, TRUSTED_PROXIES: '' });
    client = await createClient(auth.url, { institutionId: 'fi-one', scopes: ['customers:read'] });
  });
  afterAll(async () => {
    await auth?.close();
    await db?.drop();
  });

  it('ignores a spoofed X-Forwarded-For: a new value per attempt does not reset the count', async () => {
    for (let i = 0; i < 6; i++) {
      const unknown = { clientId: `cl_spoof_${i}`, clientSecret: 'x' };
      expect((await attempt(auth.url, unknown, `203.0.113.${100 + i}`)).status).toBe(401);
    }
    const next = await attempt(auth.url, wrong(client), '203.0.113.200');
    expect(next.status).toBe(429);
    expect(next.body.error).toBe('temporarily_unavailable');
  });
});

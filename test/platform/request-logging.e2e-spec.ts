import { randomUUID } from 'node:crypto';
import { Writable } from 'node:stream';
import pino from 'pino';
import { startLocalPlatform, type LocalPlatform } from '../../scripts/local-platform';
import { SANDBOX } from '../../scripts/sandbox';
import {
  STRONG_PASSWORD,
  eventually,
  newLoginId,
  registrationBody,
} from '../support/customer-platform';
import { createTestDatabase, type TestDatabase } from '../support/database';
import { clientToken, postForm } from '../support/platform';

interface LogLine {
  level: number;
  service?: string;
  transactionId?: string;
  req?: { method: string; path: string };
  res?: { statusCode: number };
  responseTime?: number;
  msg?: string;
}

/**
 * The structured request log of every service (Express and Fastify alike), read from the very
 * pino destination LoggingModule writes to.
 */
describe('request logs: one JSON line per request, with its transactionId and no secrets', () => {
  let db: TestDatabase;
  let platform: LocalPlatform;
  const raw: string[] = [];

  beforeAll(async () => {
    const sink = new Writable({
      write(chunk: Buffer, _encoding, done) {
        raw.push(chunk.toString('utf8'));
        done();
      },
    });
    jest
      .spyOn(pino, 'destination')
      .mockReturnValue(sink as unknown as ReturnType<typeof pino.destination>);
    db = await createTestDatabase('request_logging');
    platform = await startLocalPlatform(db.url, { LOG_LEVEL: 'info' });
  });
  afterAll(async () => {
    await platform?.close();
    await db?.drop();
    jest.restoreAllMocks();
  });

  const lines = (): LogLine[] =>
    raw
      .join('')
      .split('\n')
      .filter(Boolean)
      .map((l) => JSON.parse(l) as LogLine);

  /** The completion line of the request sent with `transactionId`, once it is written. */
  const completed = (transactionId: string) =>
    eventually(
      () => Promise.resolve(lines().find((l) => l.transactionId === transactionId && l.res)),
      `the request log line of ${transactionId}`,
      5_000,
    );

  it('logs each service’s requests, successful and refused, without credentials or PII', async () => {
    // The Authorization header postForm sends for the sandbox client: never to be logged.
    const basic = `Basic ${Buffer.from(`${SANDBOX.clientId}:${SANDBOX.clientSecret}`).toString('base64')}`;
    const ids = {
      token: randomUUID(),
      badSecret: randomUUID(),
      register: randomUUID(),
      login: randomUUID(),
      search: randomUUID(),
    };
    const tokenEndpoint = `${platform.urls.auth}/oauth2/v1/token`;
    const sandbox = { clientId: SANDBOX.clientId, clientSecret: SANDBOX.clientSecret };

    // auth-server (Fastify): a token, and a refused client secret.
    const tokenRes = await postForm(
      tokenEndpoint,
      { grant_type: 'client_credentials' },
      { basic: sandbox, headers: { transactionId: ids.token } },
    );
    expect(tokenRes.status).toBe(200);
    const token = tokenRes.body.access_token as string;
    const wrongSecret = 'not-the-secret-' + randomUUID();
    const refused = await postForm(
      tokenEndpoint,
      { grant_type: 'client_credentials', client_id: SANDBOX.clientId, client_secret: wrongSecret },
      { headers: { transactionId: ids.badSecret } },
    );
    expect(refused.status).toBe(401);

    // customer-service (Express): a registration carrying a password and an SSN.
    const password = STRONG_PASSWORD;
    const loginId = newLoginId('logcheck');
    const register = await fetch(`${platform.urls.customer}/customers/v2/registrations`, {
      method: 'POST',
      headers: {
        authorization: `Bearer ${token}`,
        'content-type': 'application/json',
        transactionId: ids.register,
      },
      body: JSON.stringify(registrationBody({ loginId, password })),
    });
    expect(register.status).toBe(201);

    // The password grant: the auth-server asks customer-service under the caller's transactionId.
    const grant = await postForm(
      tokenEndpoint,
      { grant_type: 'password', username: loginId, password },
      { basic: sandbox, headers: { transactionId: ids.login } },
    );
    expect(grant.status).toBe(200);
    const customerToken = grant.body.access_token as string;

    // activity-service (Fastify): a search.
    const now = Date.now();
    const found = await fetch(`${platform.urls.activity}/data-apis/v1/banking-activities`, {
      method: 'POST',
      headers: {
        authorization: `Bearer ${token}`,
        'content-type': 'application/json',
        transactionId: ids.search,
      },
      body: JSON.stringify({
        startTime: new Date(now - 3_600_000).toISOString(),
        endTime: new Date(now + 60_000).toISOString(),
      }),
    });
    expect([200, 204]).toContain(found.status);

    expect(await completed(ids.token)).toMatchObject({
      level: 30,
      req: { method: 'POST', path: '/oauth2/v1/token' },
      res: { statusCode: 200 },
      responseTime: expect.any(Number),
    });
    expect(await completed(ids.badSecret)).toMatchObject({
      req: { path: '/oauth2/v1/token' },
      res: { statusCode: 401 },
    });
    // A line the handler logs itself carries the request's transactionId too.
    expect(lines()).toContainEqual(
      expect.objectContaining({
        level: 40,
        transactionId: ids.badSecret,
        msg: 'client authentication failed',
      }),
    );
    expect(await completed(ids.register)).toMatchObject({
      req: { method: 'POST', path: '/customers/v2/registrations' },
      res: { statusCode: 201 },
    });
    expect(await completed(ids.search)).toMatchObject({
      req: { method: 'POST', path: '/data-apis/v1/banking-activities' },
      res: { statusCode: found.status },
    });

    const loginLines = lines().filter((l) => l.transactionId === ids.login && l.res);
    expect(loginLines.map((l) => l.req?.path).sort()).toEqual([
      '/internal/v1/credentials/verify',
      '/oauth2/v1/token',
    ]);

    // Health probes (every few seconds from an orchestrator) are not logged.
    const probe = randomUUID();
    for (const url of Object.values(platform.urls)) {
      expect(
        (await fetch(`${url}/health/live`, { headers: { transactionId: probe } })).status,
      ).toBe(200);
    }
    expect(lines().filter((l) => l.transactionId === probe)).toEqual([]);

    const all = raw.join('');
    for (const secret of [
      SANDBOX.clientSecret,
      wrongSecret,
      token,
      customerToken,
      basic,
      password,
      '123-45-6780',
      '123456780',
    ]) {
      expect(all).not.toContain(secret);
    }
  });

  it('keeps health probes and the polled revocation feed and JWKS out of the info log', async () => {
    const auth = platform.urls.auth;
    const ids = {
      feed: randomUUID(),
      jwks: randomUUID(),
      health: randomUUID(),
      other: randomUUID(),
    };
    // The revocation feed as a resource server reads it, with its internal client.
    const feedToken = await clientToken(
      auth,
      { clientId: 'customer-service', clientSecret: platform.env.CUSTOMER_SERVICE_CLIENT_SECRET! },
      'internal:revocations:read',
    );
    const feed = await fetch(`${auth}/oauth2/v1/revocations?since=0`, {
      headers: { authorization: `Bearer ${feedToken}`, transactionId: ids.feed },
    });
    expect(feed.status).toBe(200);
    const jwks = await fetch(`${auth}/.well-known/jwks.json`, {
      headers: { transactionId: ids.jwks },
    });
    expect(jwks.status).toBe(200);
    for (const url of Object.values(platform.urls)) {
      const ready = await fetch(`${url}/health/ready`, { headers: { transactionId: ids.health } });
      expect(ready.status).toBe(200);
    }

    // A request of a caller, sent after them, is logged at info...
    const metadata = await fetch(`${auth}/.well-known/oauth-authorization-server`, {
      headers: { transactionId: ids.other },
    });
    expect(metadata.status).toBe(200);
    expect(await completed(ids.other)).toMatchObject({
      level: 30,
      req: { method: 'GET', path: '/.well-known/oauth-authorization-server' },
      res: { statusCode: 200 },
    });
    // ...and they, written before it, are not (debug, below this LOG_LEVEL=info).
    const quietIds: string[] = [ids.feed, ids.jwks, ids.health];
    expect(lines().filter((l) => quietIds.includes(l.transactionId ?? ''))).toEqual([]);
    // Nor is the resource servers' own polling of the feed and the JWKS, running all along.
    const quietPaths = ['/oauth2/v1/revocations', '/.well-known/jwks.json'];
    expect(lines().filter((l) => l.level <= 30 && quietPaths.includes(l.req?.path ?? ''))).toEqual(
      [],
    );
  });
});

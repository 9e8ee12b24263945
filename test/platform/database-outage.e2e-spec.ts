import { Client } from 'pg';
import { startLocalPlatform, type LocalPlatform } from '../../scripts/local-platform';
import { SANDBOX } from '../../scripts/sandbox';
import { createTestDatabase, type TestDatabase } from '../support/database';
import { clientToken, postForm } from '../support/platform';

/** As superuser on the test cluster: a database that refuses connections, then serves again. */
async function onCluster(sql: string, params: unknown[] = []): Promise<void> {
  const admin = new Client({ connectionString: process.env.TEST_PG_URL });
  await admin.connect();
  try {
    await admin.query(sql, params);
  } finally {
    await admin.end();
  }
}

interface Answer {
  status: number;
  headers: Headers;
  body: Record<string, unknown>;
}

async function call(url: string, init: RequestInit): Promise<Answer> {
  const res = await fetch(url, init);
  const text = await res.text();
  return {
    status: res.status,
    headers: res.headers,
    body: text ? (JSON.parse(text) as Record<string, unknown>) : {},
  };
}

describe('a database outage answers 503 with Retry-After, and the services recover', () => {
  let db: TestDatabase;
  let platform: LocalPlatform;
  let name: string;
  let token: string;

  const disclosures = () =>
    call(`${platform.urls.customer}/customers/v2/disclosures`, {
      headers: { authorization: `Bearer ${token}` },
    });
  const search = () =>
    call(`${platform.urls.activity}/data-apis/v1/banking-activities`, {
      method: 'POST',
      headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
      body: JSON.stringify({
        startTime: new Date(Date.now() - 3_600_000).toISOString(),
        endTime: new Date().toISOString(),
      }),
    });
  // No client cache: every token request reads the client from the database.
  const tokenRequest = () =>
    postForm(
      `${platform.urls.auth}/oauth2/v1/token`,
      { grant_type: 'client_credentials' },
      { basic: SANDBOX },
    );

  beforeAll(async () => {
    db = await createTestDatabase('database_outage');
    name = new URL(db.url).pathname.slice(1);
    platform = await startLocalPlatform(db.url, { CLIENT_CACHE_TTL_MS: '0' });
    token = await clientToken(
      platform.urls.auth,
      SANDBOX,
      'disclosures:read banking-activities:read account:read',
    );
  });
  afterAll(async () => {
    await onCluster(`ALTER DATABASE "${name}" ALLOW_CONNECTIONS true`).catch(() => undefined);
    await platform?.close();
    await db?.drop();
  });

  it('serves while the database is up (each route reads it)', async () => {
    expect((await disclosures()).status).toBe(200);
    expect((await search()).status).toBe(204);
    expect((await tokenRequest()).status).toBe(200);
  });

  describe('while its connections are terminated and new ones refused', () => {
    beforeAll(async () => {
      await onCluster(`ALTER DATABASE "${name}" ALLOW_CONNECTIONS false`);
      await onCluster(
        `SELECT pg_terminate_backend(pid) FROM pg_stat_activity
          WHERE datname = $1 AND pid <> pg_backend_pid()`,
        [name],
      );
    });

    const unavailable = (answer: Answer) => {
      expect(answer.status).toBe(503);
      expect(answer.headers.get('retry-after')).toBe('5');
      expect(answer.headers.get('content-type')).toMatch(/^application\/problem\+json/);
      expect(answer.body).toMatchObject({
        status: 503,
        code: 'SERVICE_UNAVAILABLE',
        title: 'Service Unavailable',
        detail: 'The service is temporarily unavailable; retry later.',
      });
      // Nothing of PostgreSQL's own words reaches the client.
      const { transactionId: _id, ...said } = answer.body;
      expect(JSON.stringify(said)).not.toMatch(/accepting connections|terminat|57P01|55000/i);
    };

    it('customer-service answers 503 problem+json with Retry-After', async () => {
      unavailable(await disclosures());
    });

    it('activity-service answers 503 problem+json with Retry-After', async () => {
      unavailable(await search());
    });

    it('the token endpoint answers 503 temporarily_unavailable (RFC 6749) with Retry-After', async () => {
      const refused = await tokenRequest();
      expect(refused.status).toBe(503);
      expect(refused.headers.get('retry-after')).toBe('5');
      expect(refused.headers.get('cache-control')).toBe('no-store');
      expect(refused.body).toEqual({
        error: 'temporarily_unavailable',
        error_description: 'The service is temporarily unavailable; retry later.',
      });
    });
  });

  describe('once connections are allowed again', () => {
    beforeAll(() => onCluster(`ALTER DATABASE "${name}" ALLOW_CONNECTIONS true`));

    it('every service answers 200 again (the pools connect anew)', async () => {
      expect((await disclosures()).status).toBe(200);
      expect((await search()).status).toBe(204);
      expect((await tokenRequest()).status).toBe(200);
    });
  });
});

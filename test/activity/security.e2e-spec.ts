import { randomUUID } from 'node:crypto';
import {
  ACTIVITIES,
  FI_READ_SCOPES,
  startActivityPlatform,
  type ActivityPlatform,
} from '../support/activity-platform';
import { ADMIN, clientToken, postForm } from '../support/platform';

const DAY = 86_400_000;

describe('Banking Activity access control (e2e)', () => {
  let p: ActivityPlatform;
  const now = Date.now();
  const range = {
    startTime: new Date(now - DAY).toISOString(),
    endTime: new Date(now).toISOString(),
  };
  const batch = () => ({
    events: [
      {
        guid: randomUUID(),
        eventId: 'logout',
        timeStamp: new Date(now - 1000).toISOString(),
        institutionId: 'fi-a',
        userType: 'retail',
        loginId: 'x',
      },
    ],
  });
  let tokens: Record<string, string | null>;

  beforeAll(async () => {
    p = await startActivityPlatform('activity_security');
    tokens = {
      none: null,
      garbage: 'not.a.jwt',
      read: await p.token('fi-a', 'banking-activities:read'),
      account: await p.token('fi-a', 'account:read'),
      reader: await p.token('fi-a', FI_READ_SCOPES),
      writer: await p.token('fi-a', 'banking-activities:write'),
      internal: await p.internalToken(),
      admin: await clientToken(p.auth.url, ADMIN, 'clients:admin'),
    };
  });

  afterAll(async () => {
    await p?.close();
  });

  const call = (route: string, token: string | null) => {
    switch (route) {
      case 'search':
        // A range the batches below never write to, so the answer does not depend on order.
        return p.post(ACTIVITIES, token, {
          ...range,
          endTime: new Date(now - 3600_000).toISOString(),
        });
      case 'feed':
        return p.post(`${ACTIVITIES}/feed`, token, { limit: 1 });
      case 'export':
        return p.post(`${ACTIVITIES}/export`, token, range);
      case 'batch':
        return p.post(`${ACTIVITIES}/batch`, token, batch());
      case 'event-types':
        return p.get(`${ACTIVITIES}/event-types`, token);
      default:
        throw new Error(route);
    }
  };

  // Expected status per route for each kind of token (the stream is covered in stream.e2e-spec).
  const matrix: Record<string, Record<string, number>> = {
    none: { search: 401, feed: 401, export: 401, batch: 401, 'event-types': 401 },
    garbage: { search: 401, feed: 401, export: 401, batch: 401, 'event-types': 401 },
    read: { search: 403, feed: 403, export: 403, batch: 403, 'event-types': 200 },
    account: { search: 403, feed: 403, export: 403, batch: 403, 'event-types': 403 },
    reader: { search: 204, feed: 200, export: 200, batch: 403, 'event-types': 200 },
    writer: { search: 403, feed: 403, export: 403, batch: 202, 'event-types': 200 },
    internal: { search: 403, feed: 403, export: 403, batch: 202, 'event-types': 200 },
    admin: { search: 403, feed: 403, export: 403, batch: 403, 'event-types': 403 },
  };

  it.each(Object.keys(matrix))('answers a %s token as the contract says', async (kind) => {
    for (const [route, status] of Object.entries(matrix[kind]!)) {
      const res = await call(route, tokens[kind]!);
      expect({ kind, route, status: res.status }).toEqual({ kind, route, status });
      if (status === 401)
        expect(res.headers.get('www-authenticate')).toMatch(/^Bearer error="invalid_token"/);
      if (status === 403)
        expect(res.headers.get('www-authenticate')).toMatch(/^Bearer error="insufficient_scope"/);
    }
  });

  it('refuses a revoked token within the revocation poll', async () => {
    const creds = await p.client('fi-a', ['banking-activities:read', 'account:read']);
    const token = await clientToken(p.auth.url, creds, FI_READ_SCOPES);
    expect((await p.post(ACTIVITIES, token, range)).status).toBeLessThan(300);
    expect(
      (await postForm(`${p.auth.url}/oauth2/v1/revoke`, { token }, { basic: creds })).status,
    ).toBe(200);
    let status = 200;
    while (status !== 401) {
      await new Promise((r) => setTimeout(r, 100));
      status = (await p.post(ACTIVITIES, token, range)).status;
    }
    expect(status).toBe(401);
  });

  it('keeps health and the OpenAPI document public, with every activity route documented', async () => {
    expect((await p.get('/health/live', null)).status).toBe(200);
    expect((await p.get('/health/ready', null)).status).toBe(200);
    const doc = (await p.get<{ paths: Record<string, unknown> }>('/docs-json', null)).body;
    for (const path of ['', '/batch', '/feed', '/stream', '/export', '/event-types']) {
      expect(doc.paths).toHaveProperty([`${ACTIVITIES}${path}`]);
    }
  });
});

import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { loadEnv } from '@app/common';
import { CustomerEnv } from '../config/customer.env';
import { ActivityClient } from './activity.client';
import { customerEvent } from './activity-event';

/** A local server playing both the auth-server's token endpoint and the activity batch endpoint. */
describe('ActivityClient', () => {
  let server: Server;
  let url: string;
  let batchStatus = 202;
  let tokenRequests = 0;
  const authorizations: string[] = [];

  beforeAll(async () => {
    server = createServer((req, res) => {
      let body = '';
      req.on('data', (c: Buffer) => (body += c.toString()));
      req.on('end', () => {
        if (req.url === '/oauth2/v1/token') {
          tokenRequests++;
          expect(req.headers.authorization).toBe(
            `Basic ${Buffer.from(`customer-service:${'s'.repeat(32)}`).toString('base64')}`,
          );
          expect(body).toBe('grant_type=client_credentials&scope=internal%3Aevents%3Awrite');
          res
            .writeHead(200, { 'content-type': 'application/json' })
            .end(JSON.stringify({ access_token: `token-${tokenRequests}`, expires_in: 300 }));
          return;
        }
        authorizations.push(req.headers.authorization ?? '');
        res.writeHead(batchStatus, { 'content-type': 'application/json' }).end('{}');
      });
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  afterAll(() => new Promise<void>((r) => server.close(() => r())));

  const client = (extra: Record<string, string> = {}) =>
    new ActivityClient(
      loadEnv(CustomerEnv, {
        DATABASE_URL: 'postgres://localhost/db',
        AUTH_ISSUER: url,
        ACTIVITY_SERVICE_URL: url,
        CUSTOMER_SERVICE_CLIENT_SECRET: 's'.repeat(32),
        ...extra,
      }),
    );
  const events = [
    customerEvent(
      {
        id: 'c',
        institutionId: 'fi',
        loginId: 'l',
        userType: 'RETAIL',
        institutionCustomerId: null,
      },
      'loginSuccess',
      { clientId: 'app' },
      { channel: 'api' },
    ),
  ];

  it('says what configuration is missing', () => {
    expect(
      new ActivityClient(loadEnv(CustomerEnv, { DATABASE_URL: 'postgres://x/y' }))
        .missingConfiguration,
    ).toBe('ACTIVITY_SERVICE_URL');
    expect(
      new ActivityClient(
        loadEnv(CustomerEnv, { DATABASE_URL: 'postgres://x/y', ACTIVITY_SERVICE_URL: url }),
      ).missingConfiguration,
    ).toBe('CUSTOMER_SERVICE_CLIENT_SECRET');
    expect(client().missingConfiguration).toBeUndefined();
  });

  it('classifies answers and reuses its token until the activity-service refuses it', async () => {
    const c = client();
    const before = tokenRequests;
    batchStatus = 202;
    expect(await c.deliver(events)).toEqual({ kind: 'delivered' });
    batchStatus = 503;
    expect((await c.deliver(events)).kind).toBe('retry');
    batchStatus = 422;
    expect((await c.deliver(events)).kind).toBe('rejected');
    expect(tokenRequests - before).toBe(1);
    batchStatus = 401;
    expect((await c.deliver(events)).kind).toBe('retry');
    batchStatus = 202;
    expect(await c.deliver(events)).toEqual({ kind: 'delivered' });
    expect(tokenRequests - before).toBe(2);
    expect(authorizations.at(-1)).toBe(`Bearer token-${tokenRequests}`);
  });

  it('retries when nothing answers', async () => {
    const c = client({ ACTIVITY_SERVICE_URL: 'http://127.0.0.1:9' });
    const outcome = await c.deliver(events);
    expect(outcome).toMatchObject({ kind: 'retry', error: expect.stringMatching(/unreachable/) });
  });
});

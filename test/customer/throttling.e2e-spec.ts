import { CustomerServiceModule } from '../../apps/customer-service/src/app.module';
import { customerServiceOptions } from '../../apps/customer-service/src/main';
import { createClient, startApp, type RunningApp } from '../support/platform';
import {
  api,
  appToken,
  registrationBody,
  startCustomerPlatform,
  type CustomerPlatform,
} from '../support/customer-platform';

describe('customer-service: registration throttling', () => {
  let p: CustomerPlatform;

  beforeAll(async () => {
    p = await startCustomerPlatform('cus_throttle', {
      REGISTRATION_LIMIT_PER_CLIENT: '2',
      REGISTRATION_LIMIT_PER_ADDRESS: '3',
      REGISTRATION_WINDOW_SECONDS: '600',
    });
  });
  afterAll(async () => p?.close());

  const register = (token: string, headers: Record<string, string> = {}) =>
    api(p, 'POST', '/customers/v2/registrations', { token, body: registrationBody(), headers });

  it('limits registrations per client, then per address: 429 CUS_RATE_LIMITED with Retry-After', async () => {
    const first = await appToken(p, p.app);
    expect((await register(first)).status).toBe(201);
    expect((await register(first)).status).toBe(201);
    const limited = await register(first);
    expect(limited.status).toBe(429);
    expect(limited.headers.get('content-type')).toContain('application/problem+json');
    expect(limited.body).toMatchObject({ code: 'CUS_RATE_LIMITED', status: 429 });
    const retryAfter = Number(limited.headers.get('retry-after'));
    expect(retryAfter).toBeGreaterThan(0);
    expect(retryAfter).toBeLessThanOrEqual(600);

    // Another client has its own allowance, but this address has used its three.
    const second = await appToken(
      p,
      await createClient(p.auth.url, { institutionId: 'fi-one', scopes: ['customers:write'] }),
      ['customers:write'],
    );
    const sameAddress = await register(second);
    expect(sameAddress.status).toBe(429);
    expect(sameAddress.body.code).toBe('CUS_RATE_LIMITED');
  });

  it('counts only authenticated calls against a client', async () => {
    const res = await api(p, 'POST', '/customers/v2/registrations', { body: registrationBody() });
    expect(res.status).toBe(401);
  });
});

describe('customer-service: the address behind registration limits', () => {
  let p: CustomerPlatform;
  let behindProxy: RunningApp;

  beforeAll(async () => {
    // No proxy configured for the first instance (the default).
    p = await startCustomerPlatform('cus_throttle_xff', {
      REGISTRATION_LIMIT_PER_CLIENT: '50',
      REGISTRATION_LIMIT_PER_ADDRESS: '2',
      REGISTRATION_WINDOW_SECONDS: '600',
      TRUSTED_PROXIES: '',
    });
    // A second instance on the same database that sits behind a proxy on loopback.
    behindProxy = await startApp(CustomerServiceModule, customerServiceOptions, {
      ...p.env,
      TRUSTED_PROXIES: '127.0.0.1',
    });
  });
  afterAll(async () => {
    await behindProxy?.close();
    await p?.close();
  });

  const register = (on: RunningApp, token: string, from: string) =>
    api({ ...p, customers: on }, 'POST', '/customers/v2/registrations', {
      token,
      body: registrationBody(),
      headers: { 'x-forwarded-for': from },
    });

  it('ignores X-Forwarded-For from a peer that is not a configured proxy', async () => {
    const token = await appToken(p, p.app);
    expect((await register(p.customers, token, '203.0.113.1')).status).toBe(201);
    expect((await register(p.customers, token, '203.0.113.2')).status).toBe(201);
    // A third fresh X-Forwarded-For is still the same peer, past its two.
    const limited = await register(p.customers, token, '203.0.113.3');
    expect(limited.status).toBe(429);
    expect(limited.body.code).toBe('CUS_RATE_LIMITED');
  });

  it('believes X-Forwarded-For from a configured proxy', async () => {
    const token = await appToken(p, p.app);
    expect((await register(behindProxy, token, '192.0.2.10')).status).toBe(201);
    expect((await register(behindProxy, token, '192.0.2.10')).status).toBe(201);
    expect((await register(behindProxy, token, '192.0.2.10')).status).toBe(429);
    // Another customer behind the same proxy has an allowance of their own.
    expect((await register(behindProxy, token, '192.0.2.11')).status).toBe(201);
  });
});

import { createClient } from '../support/platform';
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

import type { ClientEntity } from '../clients/client.entity';
import { ClientSecretHasher } from '../clients/client-secret';
import type { ClientsService } from '../clients/clients.service';
import { ClientAuthenticator } from './client-authenticator';
import type { FailedAuthThrottle } from './failed-auth.throttle';

const hasher = new ClientSecretHasher('a-pepper-of-at-least-thirty-two-chars');
const client = {
  clientId: 'cl_1',
  secretHash: hasher.hash('s3cret-value'),
  institutionId: 'fi',
} as ClientEntity;
const IP = '10.0.0.1';

/** The authenticator over a client lookup and a throttle that blocks for `blockedFor` seconds. */
function build(blockedFor = 0) {
  const clients = {
    hasher,
    findActive: jest.fn(async (id: string) => (id === 'cl_1' ? client : null)),
  };
  const throttle = {
    clientAuthRetryAfter: jest.fn(async () => blockedFor),
    recordClientAuthFailure: jest.fn(async () => undefined),
  };
  const auth = new ClientAuthenticator(
    clients as Partial<ClientsService> as ClientsService,
    throttle as Partial<FailedAuthThrottle> as FailedAuthThrottle,
  );
  return { auth, clients, throttle };
}

const basic = (id: string, secret: string) =>
  `Basic ${Buffer.from(`${id}:${secret}`).toString('base64')}`;

describe('ClientAuthenticator', () => {
  it('accepts Basic and body credentials', async () => {
    const { auth, throttle } = build();
    await expect(auth.authenticate(basic('cl_1', 's3cret-value'), {}, IP)).resolves.toBe(client);
    await expect(
      auth.authenticate(undefined, { client_id: 'cl_1', client_secret: 's3cret-value' }, IP),
    ).resolves.toBe(client);
    expect(throttle.clientAuthRetryAfter).toHaveBeenCalledWith('cl_1', IP, undefined);
    expect(throttle.recordClientAuthFailure).not.toHaveBeenCalled();
  });

  it("hands a password grant's form to the throttle, so its own wait is read in the same query", async () => {
    const { auth, throttle } = build();
    const form = { grant_type: 'password', username: 'ada', password: 'pw' };
    await auth.authenticate(basic('cl_1', 's3cret-value'), form, IP);
    expect(throttle.clientAuthRetryAfter).toHaveBeenCalledWith('cl_1', IP, form);
  });

  it('decodes form-encoded Basic credentials (RFC 6749 §2.3.1)', async () => {
    const special = { ...client, secretHash: hasher.hash('a b:c%') } as ClientEntity;
    const { auth, clients } = build();
    clients.findActive.mockResolvedValue(special);
    await expect(
      auth.authenticate(basic('cl_1', encodeURIComponent('a b:c%')), {}, IP),
    ).resolves.toBe(special);
  });

  it('records a wrong secret (who and why, never the secret) and answers Basic with a challenge', async () => {
    const { auth, throttle } = build();
    await expect(
      auth.authenticate(basic('cl_1', 'wrong-secret-123'), {}, IP),
    ).rejects.toMatchObject({
      error: 'invalid_client',
      status: 401,
      headers: { 'WWW-Authenticate': 'Basic realm="oauth2", charset="UTF-8"' },
    });
    expect(throttle.recordClientAuthFailure).toHaveBeenCalledWith('cl_1', IP, 'wrong secret');
    expect(JSON.stringify(throttle.recordClientAuthFailure.mock.calls)).not.toContain(
      'wrong-secret-123',
    );
  });

  it('answers an unknown client like a wrong secret', async () => {
    const { auth, throttle } = build();
    await expect(
      auth.authenticate(undefined, { client_id: 'cl_x', client_secret: 'whatever' }, IP),
    ).rejects.toMatchObject({ error: 'invalid_client', status: 401, headers: {} });
    expect(throttle.recordClientAuthFailure).toHaveBeenCalledWith(
      'cl_x',
      IP,
      'unknown or disabled client',
    );
  });

  it('refuses two methods at once, and a non-Basic Authorization header', async () => {
    const { auth, clients } = build();
    await expect(
      auth.authenticate(basic('cl_1', 's3cret-value'), { client_secret: 's3cret-value' }, IP),
    ).rejects.toMatchObject({ error: 'invalid_request', status: 400 });
    await expect(auth.authenticate('Bearer abc', {}, IP)).rejects.toMatchObject({
      error: 'invalid_request',
    });
    expect(clients.findActive).not.toHaveBeenCalled();
  });

  it('refuses a blocked caller before looking at the secret, with Retry-After', async () => {
    const { auth, clients } = build(42);
    await expect(auth.authenticate(basic('cl_1', 's3cret-value'), {}, IP)).rejects.toMatchObject({
      status: 429,
      error: 'temporarily_unavailable',
      headers: { 'Retry-After': '42' },
    });
    expect(clients.findActive).not.toHaveBeenCalled();
  });
});

import type { ClientEntity } from '../clients/client.entity';
import type { ClientsRepository } from '../clients/clients.repository';
import { ClientsService } from '../clients/clients.service';
import type { AuthEnv } from '../config/auth.env';
import { ClientAuthenticator } from './client-authenticator';
import type { FailedAuthThrottle } from './failed-auth.throttle';

const env = {
  CLIENT_SECRET_PEPPER: 'a-pepper-of-at-least-thirty-two-chars',
  CLIENT_CACHE_TTL_MS: 5_000,
} as AuthEnv;
const hasher = new ClientsService({} as ClientsRepository, env).hasher;
const client = {
  clientId: 'cl_1',
  secretHash: hasher.hash('s3cret-value'),
  institutionId: 'fi',
} as ClientEntity;
const IP = '10.0.0.1';

/**
 * The authenticator over the real client lookup (a repository mock behind it, a clock that
 * tests move) and a throttle that blocks for `blockedFor` seconds.
 */
function build(blockedFor = 0) {
  const clock = { now: 1_800_000_000_000 };
  const repo = {
    findActive: jest.fn(async (id: string): Promise<ClientEntity | null> =>
      id === 'cl_1' ? client : null,
    ),
  };
  const service = new ClientsService(
    repo as Partial<ClientsRepository> as ClientsRepository,
    env,
    () => clock.now,
  );
  const throttle = {
    clientAuthRetryAfter: jest.fn(async () => blockedFor),
    recordClientAuthFailure: jest.fn(async () => undefined),
  };
  const auth = new ClientAuthenticator(
    service,
    throttle as Partial<FailedAuthThrottle> as FailedAuthThrottle,
  );
  return { auth, clients: repo, throttle, clock };
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

  it('accepts the previous secret of a rotation until it expires, on a cached record too', async () => {
    const { auth, clients, clock } = build();
    clients.findActive.mockResolvedValue({
      ...client,
      secretHash: hasher.hash('new-secret-value'),
      previousSecretHash: hasher.hash('s3cret-value'),
      previousSecretExpiresAt: new Date(clock.now + 2_000),
    });
    await expect(auth.authenticate(basic('cl_1', 's3cret-value'), {}, IP)).resolves.toMatchObject({
      clientId: 'cl_1',
    });
    await expect(
      auth.authenticate(basic('cl_1', 'new-secret-value'), {}, IP),
    ).resolves.toMatchObject({ clientId: 'cl_1' });
    clock.now += 2_000; // expired; the record is still in the cache (CLIENT_CACHE_TTL_MS 5 s)
    await expect(auth.authenticate(basic('cl_1', 's3cret-value'), {}, IP)).rejects.toMatchObject({
      error: 'invalid_client',
    });
    await expect(
      auth.authenticate(basic('cl_1', 'new-secret-value'), {}, IP),
    ).resolves.toMatchObject({ clientId: 'cl_1' });
  });

  it('reads a cached client again once before refusing its secret (rotated elsewhere)', async () => {
    const { auth, clients, clock } = build();
    await auth.authenticate(basic('cl_1', 's3cret-value'), {}, IP);
    clients.findActive.mockResolvedValue({ ...client, secretHash: hasher.hash('rotated-value') });
    clock.now += 1;
    await expect(auth.authenticate(basic('cl_1', 'rotated-value'), {}, IP)).resolves.toMatchObject({
      clientId: 'cl_1',
    });
    expect(clients.findActive).toHaveBeenCalledTimes(2);
    // A wrong secret against a record read by this very request costs no second read.
    clock.now += 10_000;
    await expect(auth.authenticate(basic('cl_1', 'wrong-value'), {}, IP)).rejects.toMatchObject({
      error: 'invalid_client',
    });
    expect(clients.findActive).toHaveBeenCalledTimes(3);
  });
});

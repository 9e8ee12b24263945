import { Logger } from '@nestjs/common';
import type { FastifyRequest } from 'fastify';
import type { DataSource } from 'typeorm';
import type { ClientEntity } from '../clients/client.entity';
import { ClientSecretHasher } from '../clients/client-secret';
import type { ClientsService } from '../clients/clients.service';
import type { AuthEnv } from '../config/auth.env';
import { ClientAuthenticator } from './client-authenticator';
import { FailedAuthThrottle } from './failed-auth.throttle';

const hasher = new ClientSecretHasher('a-pepper-of-at-least-thirty-two-chars');
const client = {
  clientId: 'cl_1',
  secretHash: hasher.hash('s3cret-value'),
  institutionId: 'fi',
} as ClientEntity;

/**
 * The real throttle over a stand-in for PostgreSQL: every count reads 1, and `blockedFor`
 * seconds remain on a block (0: nothing blocked). The counts themselves are tested end to end.
 */
function build(blockedFor = 0) {
  const clients = {
    hasher,
    findActive: jest.fn(async (id: string) => (id === 'cl_1' ? client : null)),
  };
  const expire = Date.now() + blockedFor * 1000;
  const dataSource = {
    driver: {
      master: { query: async () => ({ rows: [{ points: 1, expire: Date.now() + 6e4 }] }) },
    },
    query: async () =>
      blockedFor > 0 ? [{ key: 'client-auth-address:10.0.0.1', points: 9, expire }] : [],
  };
  const throttle = new FailedAuthThrottle(
    dataSource as unknown as DataSource,
    {
      FAILED_AUTH_LIMIT: 3,
      FAILED_AUTH_ADDRESS_LIMIT: 3,
      FAILED_AUTH_CLIENT_LIMIT: 10,
      FAILED_AUTH_WINDOW_SECONDS: 60,
      FAILED_AUTH_BLOCK_SECONDS: 60,
      PASSWORD_FAILURE_LIMIT: 3,
      PASSWORD_FAILURE_CLIENT_LIMIT: 10,
      PASSWORD_FAILURE_WINDOW_SECONDS: 60,
      PASSWORD_FAILURE_BLOCK_SECONDS: 60,
    } as AuthEnv,
  );
  return { auth: new ClientAuthenticator(clients as unknown as ClientsService, throttle), clients };
}

const req = (headers: Record<string, string> = {}, ip = '10.0.0.1') =>
  ({ headers, ip, socket: {} }) as unknown as FastifyRequest;
const basic = (id: string, secret: string) => ({
  authorization: `Basic ${Buffer.from(`${id}:${secret}`).toString('base64')}`,
});

describe('ClientAuthenticator', () => {
  afterEach(() => jest.restoreAllMocks());

  it('accepts Basic and body credentials', async () => {
    const { auth } = build();
    await expect(auth.authenticate(req(basic('cl_1', 's3cret-value')), {})).resolves.toBe(client);
    await expect(
      auth.authenticate(req(), { client_id: 'cl_1', client_secret: 's3cret-value' }),
    ).resolves.toBe(client);
  });

  it('decodes form-encoded Basic credentials (RFC 6749 §2.3.1)', async () => {
    const special = { ...client, secretHash: hasher.hash('a b:c%') } as ClientEntity;
    const { auth, clients } = build();
    clients.findActive.mockResolvedValue(special);
    await expect(
      auth.authenticate(req(basic('cl_1', encodeURIComponent('a b:c%'))), {}),
    ).resolves.toBe(special);
  });

  it('never logs the secret of a failed attempt', async () => {
    const warn = jest.spyOn(Logger.prototype, 'warn').mockImplementation(() => undefined);
    const { auth } = build();
    await expect(
      auth.authenticate(req(basic('cl_1', 'wrong-secret-123')), {}),
    ).rejects.toMatchObject({ error: 'invalid_client', status: 401 });
    expect(warn).toHaveBeenCalledTimes(1);
    expect(JSON.stringify(warn.mock.calls)).toContain('cl_1');
    expect(JSON.stringify(warn.mock.calls)).not.toContain('wrong-secret-123');
  });

  it('refuses a blocked caller before looking at the secret, with Retry-After', async () => {
    const { auth, clients } = build(42);
    await expect(auth.authenticate(req(basic('cl_1', 's3cret-value')), {})).rejects.toMatchObject({
      status: 429,
      error: 'temporarily_unavailable',
      headers: { 'Retry-After': '42' },
    });
    expect(clients.findActive).not.toHaveBeenCalled();
  });
});

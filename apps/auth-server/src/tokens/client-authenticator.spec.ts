import { Logger } from '@nestjs/common';
import type { FastifyRequest } from 'fastify';
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

function build(limit = 3) {
  const clients = {
    hasher,
    findActive: jest.fn(async (id: string) => (id === 'cl_1' ? client : null)),
  };
  const throttle = new FailedAuthThrottle({
    FAILED_AUTH_LIMIT: limit,
    FAILED_AUTH_WINDOW_SECONDS: 60,
    FAILED_AUTH_BLOCK_SECONDS: 60,
  } as AuthEnv);
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

  it('blocks after the limit, even with the right secret', async () => {
    jest.spyOn(Logger.prototype, 'warn').mockImplementation(() => undefined);
    const { auth } = build(2);
    for (let i = 0; i < 2; i++)
      await expect(auth.authenticate(req(basic('cl_1', 'x')), {})).rejects.toMatchObject({
        status: 401,
      });
    await expect(auth.authenticate(req(basic('cl_1', 's3cret-value')), {})).rejects.toMatchObject({
      status: 429,
      headers: { 'Retry-After': expect.stringMatching(/^\d+$/) },
    });
  });
});

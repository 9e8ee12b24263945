import type { AuthEnv } from '../config/auth.env';
import type { ClientEntity } from './client.entity';
import type { ClientsRepository, NewClientRow } from './clients.repository';
import { ClientsService } from './clients.service';

const env = {
  CLIENT_SECRET_PEPPER: 'a-pepper-of-at-least-thirty-two-chars',
  CLIENT_CACHE_TTL_MS: 60_000,
} as AuthEnv;
const stored = {
  id: 'id-1',
  clientId: 'cl_1',
  institutionId: 'fi',
  status: 'active',
} as ClientEntity;

function build() {
  const repo = {
    findActive: jest.fn(async () => stored),
    find: jest.fn(async (): Promise<ClientEntity | null> => stored),
    insert: jest.fn(async (_row: NewClientRow) => undefined),
    update: jest.fn(async () => undefined),
  };
  return {
    repo,
    service: new ClientsService(repo as Partial<ClientsRepository> as ClientsRepository, env),
  };
}

describe('ClientsService', () => {
  it('reads an active client once per CLIENT_CACHE_TTL_MS', async () => {
    const { service, repo } = build();
    await expect(service.findActive('cl_1')).resolves.toBe(stored);
    await expect(service.findActive('cl_1')).resolves.toBe(stored);
    expect(repo.findActive).toHaveBeenCalledTimes(1);
  });

  it('creates a client with a keyed hash of a server-made secret, never the secret', async () => {
    const { service, repo } = build();
    const { clientSecret } = await service.create({
      institutionId: 'fi',
      name: 'App',
      scopes: ['customers:read'],
      grantTypes: ['client_credentials'],
    });
    const row = repo.insert.mock.calls[0]![0];
    expect(row).toMatchObject({
      clientId: expect.stringMatching(/^cl_[0-9a-f]{24}$/),
      institutionId: 'fi',
      allowedScopes: ['customers:read'],
      defaultScopes: ['customers:read'],
      status: 'active',
    });
    expect(service.hasher.verify(clientSecret, row.secretHash)).toBe(true);
    expect(JSON.stringify(row)).not.toContain(clientSecret);
  });

  it('rotating a secret stores the new hash and forgets the cached client', async () => {
    const { service, repo } = build();
    await service.findActive('cl_1');
    const { clientSecret } = await service.rotateSecret('cl_1', 'fi');
    expect(repo.find).toHaveBeenCalledWith('cl_1', 'fi');
    const [id, changes] = repo.update.mock.calls[0]! as unknown[];
    expect(id).toBe('id-1');
    expect(
      service.hasher.verify(clientSecret, (changes as { secretHash: string }).secretHash),
    ).toBe(true);
    await service.findActive('cl_1');
    expect(repo.findActive).toHaveBeenCalledTimes(2);
  });

  it("disables once; an unknown client (or another FI's) is AUTH_CLIENT_NOT_FOUND", async () => {
    const { service, repo } = build();
    await service.disable('cl_1', 'fi');
    expect(repo.update).toHaveBeenCalledWith('id-1', {
      status: 'disabled',
      disabledAt: expect.any(Date),
    });
    repo.find.mockResolvedValue(null);
    await expect(service.disable('cl_9', 'fi')).rejects.toMatchObject({
      code: 'AUTH_CLIENT_NOT_FOUND',
    });
  });
});

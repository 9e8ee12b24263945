import type { AuthEnv } from '../config/auth.env';
import type { ClientEntity } from './client.entity';
import type { ClientsRepository, NewClientRow } from './clients.repository';
import { ClientsService, LAST_USED_INTERVAL_MS } from './clients.service';

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
  const clock = { now: 1_800_000_000_000 };
  const repo = {
    findActive: jest.fn(async () => stored),
    find: jest.fn(async (): Promise<ClientEntity | null> => stored),
    insert: jest.fn(async (_row: NewClientRow) => undefined),
    update: jest.fn(async () => undefined),
    rotateSecret: jest.fn(async (_id: string, _hash: string, _changes: unknown) => true),
    recordUses: jest.fn(async (_uses: { id: string; at: Date }[]) => undefined),
  };
  return {
    repo,
    clock,
    service: new ClientsService(
      repo as Partial<ClientsRepository> as ClientsRepository,
      env,
      () => clock.now,
    ),
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
    const [id, currentHash, changes] = repo.rotateSecret.mock.calls[0]!;
    expect(id).toBe('id-1');
    expect(currentHash).toBe(stored.secretHash);
    expect(service.hasher.verify(clientSecret, (changes as ClientEntity).secretHash)).toBe(true);
    // Default overlap 0: no previous secret stays valid.
    expect(changes).toMatchObject({ previousSecretHash: null, previousSecretExpiresAt: null });
    await service.findActive('cl_1');
    expect(repo.findActive).toHaveBeenCalledTimes(2);
  });

  describe('rotation with an overlap', () => {
    const rotating = () => {
      const built = build();
      const oldHash = built.service.hasher.hash('old-secret');
      built.repo.find.mockResolvedValue({ ...stored, secretHash: oldHash } as ClientEntity);
      return { ...built, oldHash };
    };

    it('keeps the current hash as the previous one until now + previousSecretExpiresIn', async () => {
      const { service, repo, clock, oldHash } = rotating();
      await service.rotateSecret('cl_1', 'fi', 3_600);
      expect(repo.rotateSecret.mock.calls[0]![2]).toMatchObject({
        secretRotatedAt: new Date(clock.now),
        previousSecretHash: oldHash,
        previousSecretExpiresAt: new Date(clock.now + 3_600_000),
      });
    });

    it('a second rotation makes the current secret the previous one (the older one stops)', async () => {
      const { service, repo, oldHash } = rotating();
      const first = await service.rotateSecret('cl_1', 'fi', 600);
      const firstHash = service.hasher.hash(first.clientSecret);
      repo.find.mockResolvedValue({
        ...stored,
        secretHash: firstHash,
        previousSecretHash: oldHash,
        previousSecretExpiresAt: new Date(Date.now() + 600_000),
      } as ClientEntity);
      await service.rotateSecret('cl_1', 'fi', 60);
      const changes = repo.rotateSecret.mock.calls[1]![2] as ClientEntity;
      expect(repo.rotateSecret.mock.calls[1]![1]).toBe(firstHash);
      expect(changes.previousSecretHash).toBe(firstHash);
      expect(JSON.stringify(changes)).not.toContain(oldHash);
    });

    it('retries when another rotation changed the secret meanwhile, and gives up with 409', async () => {
      const { service, repo } = rotating();
      repo.rotateSecret.mockResolvedValueOnce(false);
      await service.rotateSecret('cl_1', 'fi', 60);
      expect(repo.rotateSecret).toHaveBeenCalledTimes(2);
      expect(repo.find).toHaveBeenCalledTimes(3); // two attempts, then the answer
      repo.rotateSecret.mockResolvedValue(false);
      await expect(service.rotateSecret('cl_1', 'fi', 60)).rejects.toMatchObject({
        code: 'AUTH_CONCURRENT_ROTATION',
        status: 409,
      });
    });

    it.each([-1, 604_801, 1.5, Number.NaN])(
      'refuses previousSecretExpiresIn %p and changes nothing',
      async (seconds) => {
        const { service, repo } = rotating();
        await expect(service.rotateSecret('cl_1', 'fi', seconds)).rejects.toMatchObject({
          status: 400,
          options: { errors: [{ pointer: '/previousSecretExpiresIn' }] },
        });
        expect(repo.rotateSecret).not.toHaveBeenCalled();
      },
    );

    it('accepts the previous secret until its expiry, even from a cached record', async () => {
      const { service, repo, clock, oldHash } = rotating();
      const newHash = service.hasher.hash('new-secret');
      repo.findActive.mockResolvedValue({
        ...stored,
        secretHash: newHash,
        previousSecretHash: oldHash,
        previousSecretExpiresAt: new Date(clock.now + 1_000),
      } as ClientEntity);
      expect((await service.authenticate('cl_1', 'old-secret')).ok).toBe(true);
      expect((await service.authenticate('cl_1', 'new-secret')).ok).toBe(true);
      clock.now += 1_000;
      expect((await service.authenticate('cl_1', 'old-secret')).ok).toBe(false);
      expect((await service.authenticate('cl_1', 'new-secret')).ok).toBe(true);
    });
  });

  describe('last use (coalesced background writes)', () => {
    const client = stored;
    const other = { ...stored, id: 'id-2', clientId: 'cl_2' } as ClientEntity;

    it('writes a client at most once per minute, several clients in one statement', async () => {
      const { service, repo, clock } = build();
      const t0 = clock.now;
      service.recordUse(client);
      clock.now += 10;
      service.recordUse(client);
      service.recordUse(other);
      expect(repo.recordUses).not.toHaveBeenCalled(); // never during the request
      await service.flushUses();
      expect(repo.recordUses).toHaveBeenCalledTimes(1);
      expect(repo.recordUses).toHaveBeenCalledWith([
        { id: 'id-1', at: new Date(t0) },
        { id: 'id-2', at: new Date(t0 + 10) },
      ]);

      clock.now = t0 + LAST_USED_INTERVAL_MS - 1;
      service.recordUse(client);
      await service.flushUses();
      expect(repo.recordUses).toHaveBeenCalledTimes(1);

      clock.now = t0 + LAST_USED_INTERVAL_MS;
      service.recordUse(client);
      service.recordUse(client);
      await service.flushUses();
      expect(repo.recordUses).toHaveBeenCalledTimes(2);
      expect(repo.recordUses).toHaveBeenLastCalledWith([
        { id: 'id-1', at: new Date(t0 + LAST_USED_INTERVAL_MS) },
      ]);
    });

    it('flushes by itself shortly after a use, off the request', async () => {
      jest.useFakeTimers();
      try {
        const { service, repo } = build();
        service.recordUse(client);
        expect(repo.recordUses).not.toHaveBeenCalled();
        await jest.advanceTimersByTimeAsync(1_000);
        expect(repo.recordUses).toHaveBeenCalledTimes(1);
      } finally {
        jest.useRealTimers();
      }
    });

    it('a failed write is logged, never thrown, and tried again a minute later', async () => {
      const { service, repo, clock } = build();
      repo.recordUses.mockRejectedValueOnce(new Error('database down'));
      const warn = jest
        .spyOn((service as unknown as { logger: { warn: () => void } }).logger, 'warn')
        .mockImplementation(() => undefined);
      service.recordUse(client);
      await expect(service.flushUses()).resolves.toBeUndefined();
      expect(warn).toHaveBeenCalledTimes(1);
      service.recordUse(client);
      await service.flushUses();
      expect(repo.recordUses).toHaveBeenCalledTimes(1);
      clock.now += LAST_USED_INTERVAL_MS;
      service.recordUse(client);
      await service.flushUses();
      expect(repo.recordUses).toHaveBeenCalledTimes(2);
    });

    it('writes what is queued before the application shuts down', async () => {
      const { service, repo } = build();
      service.recordUse(client);
      await service.beforeApplicationShutdown();
      expect(repo.recordUses).toHaveBeenCalledTimes(1);
    });
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

import { randomBytes } from 'node:crypto';
import type { AuthEnv } from '../config/auth.env';
import type { Transaction, UnitOfWork } from '../persistence/unit-of-work';
import type { SigningKeyEntity } from './signing-key.entity';
import type { NewSigningKeyRow, SigningKeysRepository } from './signing-keys.repository';
import { SigningKeysService } from './signing-keys.service';

const TX = {} as Transaction;
const env = {
  KEY_ENCRYPTION_KEY: randomBytes(32).toString('base64url'),
  KEY_REFRESH_MS: 10_000,
  ACCESS_TOKEN_TTL_SECONDS: 300,
} as AuthEnv;

/** The service over an in-memory key table. */
function build() {
  const rows: NewSigningKeyRow[] = [];
  const repo = {
    lockKeyChanges: jest.fn(async () => undefined),
    findByStatus: jest.fn(
      async (status: string) =>
        (rows.find((r) => r.status === status) ?? null) as SigningKeyEntity | null,
    ),
    insert: jest.fn(async (row: NewSigningKeyRow) => void rows.push(row)),
    retire: jest.fn(async (kid: string, publishUntil: Date) => {
      Object.assign(
        rows.find((r) => r.kid === kid)!,
        { status: 'retired', publishUntil },
      );
    }),
    activate: jest.fn(async (kid: string) => {
      rows.find((r) => r.kid === kid)!.status = 'active';
    }),
    findPublished: jest.fn(
      async () =>
        rows.filter(
          (r) => r.status !== 'retired' || r.publishUntil! > new Date(),
        ) as SigningKeyEntity[],
    ),
  };
  const uow: Pick<UnitOfWork, 'run'> = { run: (work) => work(TX) };
  jest.spyOn(uow, 'run');
  const service = new SigningKeysService(
    repo as Partial<SigningKeysRepository> as SigningKeysRepository,
    uow as UnitOfWork,
    env,
  );
  return { service, repo, rows };
}

describe('SigningKeysService', () => {
  afterEach(() => jest.restoreAllMocks());

  it('creates the active and the next key once, under the key-change lock, private halves sealed', async () => {
    const { service, repo, rows } = build();
    await service.onModuleInit();
    await service.onApplicationShutdown();
    expect(repo.lockKeyChanges).toHaveBeenCalledWith(TX);
    expect(rows.map((r) => r.status)).toEqual(['active', 'next']);
    expect(rows[0]!.privateKeySealed).not.toContain('PRIVATE KEY');
    expect(service.signingKey().kid).toBe(rows[0]!.kid);
    expect(service.jwks().keys.map((k) => k.kid)).toEqual(rows.map((r) => r.kid));
  });

  it('rotation promotes the published next key and keeps the old one published past its tokens', async () => {
    const { service, repo, rows } = build();
    await service.onModuleInit();
    await service.onApplicationShutdown();
    const [active, next] = rows.map((r) => r.kid);
    const r = await service.rotate();
    expect(r).toMatchObject({ kid: next, previousKid: active });
    expect(r.previousPublishUntil!.getTime()).toBeGreaterThanOrEqual(
      Date.now() + (300 + 60) * 1000,
    );
    expect(repo.retire).toHaveBeenCalledWith(active, r.previousPublishUntil, TX);
    expect(rows.map((k) => k.status)).toEqual(['retired', 'active', 'next']);
    expect(service.signingKey().kid).toBe(next);
    await expect(service.resolve({ kid: active, alg: 'ES256' })).resolves.toBeDefined();
  });

  it('resolves only published ES256 keys', async () => {
    const { service } = build();
    await service.onModuleInit();
    await service.onApplicationShutdown();
    await expect(service.resolve({ kid: 'nope', alg: 'ES256' })).rejects.toThrow('unknown kid');
    await expect(
      service.resolve({ kid: service.signingKey().kid, alg: 'RS256' }),
    ).rejects.toThrow();
  });
});

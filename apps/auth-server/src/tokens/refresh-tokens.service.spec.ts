import type { AuthEnv } from '../config/auth.env';
import type { Transaction, UnitOfWork } from '../persistence/unit-of-work';
import type { IssuedAccessToken } from './access-token.issuer';
import type { RefreshTokenEntity } from './refresh-token.entity';
import type { RefreshTokensRepository } from './refresh-tokens.repository';
import { RefreshTokensService, hashToken } from './refresh-tokens.service';
import type { RevocationsService } from './revocations.service';

const TX = {} as Transaction;
const env = { REFRESH_TOKEN_TTL_SECONDS: 3600 } as AuthEnv;
const soon = () => new Date(Date.now() + 60_000);
const row = (over: Partial<RefreshTokenEntity> = {}) =>
  ({
    id: 'rt-1',
    familyId: 'fam-1',
    clientId: 'cl_1',
    institutionId: 'fi',
    accessTokenJti: 'jti-1',
    accessTokenExpiresAt: soon(),
    expiresAt: soon(),
    usedAt: null,
    revokedAt: null,
    ...over,
  }) as RefreshTokenEntity;

function build(presented: RefreshTokenEntity | null) {
  const repo = {
    insert: jest.fn(async () => undefined),
    findByHashForUpdate: jest.fn(async () => presented),
    markUsed: jest.fn(async () => undefined),
    revokeLive: jest.fn(async () => [row()]),
  };
  const uow: Pick<UnitOfWork, 'run'> = { run: (work) => work(TX) };
  jest.spyOn(uow, 'run');
  const revocations = {
    revoke: jest.fn(async () => undefined),
    revokeClient: jest.fn(async () => undefined),
  };
  const service = new RefreshTokensService(
    repo as Partial<RefreshTokensRepository> as RefreshTokensRepository,
    uow as UnitOfWork,
    revocations as Partial<RevocationsService> as RevocationsService,
    env,
  );
  return { service, repo, uow, revocations };
}

describe('RefreshTokensService', () => {
  it('mints an opaque token and stores only its hash', async () => {
    const { service, repo } = build(null);
    const access = { jti: 'jti-1', expiresAt: soon() } as IssuedAccessToken;
    const token = await service.mint(
      {
        subject: 's',
        clientId: 'cl_1',
        institutionId: 'fi',
        scope: 'profile:read',
        loginId: null,
        userType: null,
      },
      access,
      'fam-1',
      TX,
    );
    expect(repo.insert).toHaveBeenCalledWith(
      expect.objectContaining({
        tokenHash: hashToken(token),
        familyId: 'fam-1',
        accessTokenJti: 'jti-1',
      }),
      TX,
    );
    expect(JSON.stringify(repo.insert.mock.calls)).not.toContain(token);
  });

  it('redeems once: marks the token used and issues the successor in the same transaction', async () => {
    const { service, repo } = build(row());
    const next = jest.fn(async () => 'successor');
    await expect(service.redeem('rt', 'cl_1', next)).resolves.toEqual({
      outcome: 'ok',
      value: 'successor',
    });
    expect(repo.findByHashForUpdate).toHaveBeenCalledWith(hashToken('rt'), TX);
    expect(repo.markUsed).toHaveBeenCalledWith('rt-1', TX);
    expect(next).toHaveBeenCalledWith(expect.objectContaining({ id: 'rt-1' }), TX);
  });

  it('a reused token revokes its whole family and the access tokens issued with it', async () => {
    const { service, repo, revocations } = build(row({ usedAt: new Date() }));
    const next = jest.fn();
    await expect(service.redeem('rt', 'cl_1', next)).resolves.toEqual({ outcome: 'reused' });
    expect(next).not.toHaveBeenCalled();
    expect(repo.revokeLive).toHaveBeenCalledWith({ familyId: 'fam-1' }, TX);
    expect(revocations.revoke).toHaveBeenCalledWith(
      [expect.objectContaining({ jti: 'jti-1', clientId: 'cl_1' })],
      TX,
    );
  });

  it("another client's token is invalid; an expired one expired; a revoked one revoked", async () => {
    await expect(build(row()).service.redeem('rt', 'cl_2', jest.fn())).resolves.toEqual({
      outcome: 'invalid',
    });
    await expect(
      build(row({ expiresAt: new Date(0) })).service.redeem('rt', 'cl_1', jest.fn()),
    ).resolves.toEqual({ outcome: 'expired' });
    await expect(
      build(row({ revokedAt: new Date() })).service.redeem('rt', 'cl_1', jest.fn()),
    ).resolves.toEqual({ outcome: 'revoked' });
  });

  it('a disabled client: client-level revocation and its refresh tokens, in one transaction', async () => {
    const { service, repo, revocations, uow } = build(null);
    await service.revokeForClient({ clientId: 'cl_1', institutionId: 'fi' });
    expect(uow.run).toHaveBeenCalledTimes(1);
    expect(revocations.revokeClient).toHaveBeenCalledWith(
      { clientId: 'cl_1', institutionId: 'fi' },
      TX,
    );
    expect(repo.revokeLive).toHaveBeenCalledWith({ clientId: 'cl_1' }, TX);
  });
});

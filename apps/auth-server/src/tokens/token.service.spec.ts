import type { ClientEntity } from '../clients/client.entity';
import type { AuthEnv } from '../config/auth.env';
import type {
  CredentialVerdict,
  CustomerCredentialsPort,
} from '../customers/customer-credentials.port';
import type { SigningKeysService } from '../keys/signing-keys.service';
import type { Transaction } from '../persistence/unit-of-work';
import type { AccessTokenIssuer, AccessTokenRequest } from './access-token.issuer';
import type { FailedAuthThrottle } from './failed-auth.throttle';
import type { RefreshTokenEntity } from './refresh-token.entity';
import type { RefreshTokensService } from './refresh-tokens.service';
import type { RevocationsService } from './revocations.service';
import { TokenService } from './token.service';

const env = {
  REFRESH_TOKEN_TTL_SECONDS: 86_400,
  AUTH_ISSUER: 'https://auth.test',
  AUTH_AUDIENCE: 'digital-banking-api',
} as AuthEnv;
const requester = { ipAddress: '10.0.0.9', userAgent: 'app/1.0', transactionId: 'tx-1' };
const TX = {} as Transaction;

const client = (grantTypes: ClientEntity['grantTypes']): ClientEntity =>
  ({
    clientId: 'cl_1',
    institutionId: 'fi-one',
    allowedScopes: ['customers:read', 'profile:read', 'profile:write'],
    defaultScopes: ['customers:read'],
    grantTypes,
  }) as ClientEntity;

const as = <T>(mock: Partial<T>): T => mock as T;

/** TokenService over mocks of what it uses; `verdict` is customer-service's answer. */
function build(verdict: CredentialVerdict = { result: 'invalid' }) {
  const issuer = {
    issue: jest.fn(async (r: AccessTokenRequest) => ({
      token: `at-${r.subject}`,
      jti: 'jti-1',
      expiresIn: 300,
      expiresAt: new Date(Date.now() + 300_000),
      scope: r.scopes.join(' '),
    })),
  };
  const stored: Partial<RefreshTokenEntity> = {
    subject: 'cust-1',
    clientId: 'cl_1',
    institutionId: 'fi-one',
    scope: 'profile:read profile:write',
    loginId: 'ada',
    userType: 'RETAIL',
    familyId: 'fam-1',
  };
  const refreshTokens = {
    mint: jest.fn(async () => 'rt-new'),
    redeem: jest.fn(
      async <T>(
        _token: string,
        _clientId: string,
        next: (old: RefreshTokenEntity, tx: Transaction) => Promise<T>,
      ) => ({ outcome: 'ok' as const, value: await next(stored as RefreshTokenEntity, TX) }),
    ),
  };
  const throttle = {
    passwordRetryAfter: jest.fn(async () => 0),
    recordPasswordFailure: jest.fn(async () => undefined),
  };
  const customers = { verify: jest.fn(async () => verdict) };
  const service = new TokenService(
    as<AccessTokenIssuer>(issuer),
    as<RefreshTokensService>(refreshTokens as never),
    as<RevocationsService>({}),
    as<SigningKeysService>({}),
    env,
    as<FailedAuthThrottle>(throttle),
    as<CustomerCredentialsPort>(customers),
  );
  return { service, issuer, refreshTokens, throttle, customers };
}

describe('TokenService', () => {
  it('client_credentials: an access token with the default scopes, no refresh token', async () => {
    const { service, issuer, refreshTokens } = build();
    const res = await service.grant(
      client(['client_credentials']),
      { grant_type: 'client_credentials' },
      requester,
    );
    expect(res).toEqual({
      access_token: 'at-cl_1',
      token_type: 'Bearer',
      expires_in: 300,
      scope: 'customers:read',
    });
    expect(issuer.issue).toHaveBeenCalledWith({
      subject: 'cl_1',
      clientId: 'cl_1',
      institutionId: 'fi-one',
      scopes: ['customers:read'],
    });
    expect(refreshTokens.mint).not.toHaveBeenCalled();
  });

  it('refuses a grant the client may not use, and an unknown grant type', async () => {
    const { service, issuer } = build();
    await expect(
      service.grant(client(['password']), { grant_type: 'client_credentials' }, requester),
    ).rejects.toMatchObject({ error: 'unauthorized_client' });
    await expect(
      service.grant(client(['client_credentials']), { grant_type: 'implicit' }, requester),
    ).rejects.toMatchObject({ error: 'unsupported_grant_type' });
    expect(issuer.issue).not.toHaveBeenCalled();
  });

  it('password: relays the requester to customer-service; customer scopes only, with a refresh token', async () => {
    const { service, customers, issuer, refreshTokens } = build({
      result: 'ok',
      customerId: 'cust-1',
      loginId: 'ada',
      userType: 'RETAIL',
    });
    const res = await service.grant(
      client(['password']),
      { grant_type: 'password', username: 'ada', password: 'pw', scope: 'profile:read' },
      requester,
    );
    expect(customers.verify).toHaveBeenCalledWith(
      {
        institutionId: 'fi-one',
        loginId: 'ada',
        password: 'pw',
        clientId: 'cl_1',
        ipAddress: '10.0.0.9',
        userAgent: 'app/1.0',
      },
      'tx-1',
    );
    expect(issuer.issue).toHaveBeenCalledWith(
      expect.objectContaining({ subject: 'cust-1', scopes: ['profile:read'], loginId: 'ada' }),
    );
    expect(refreshTokens.mint).toHaveBeenCalledTimes(1);
    expect(res).toMatchObject({ refresh_token: 'rt-new', refresh_token_expires_in: 86_400 });
  });

  it('password: a wrong password is recorded against the address and answers invalid_grant', async () => {
    const { service, throttle, issuer } = build({ result: 'locked' });
    await expect(
      service.grant(
        client(['password']),
        { grant_type: 'password', username: 'ada', password: 'nope', scope: 'profile:read' },
        requester,
      ),
    ).rejects.toMatchObject({ error: 'invalid_grant' });
    expect(throttle.recordPasswordFailure).toHaveBeenCalledWith('cl_1', '10.0.0.9');
    expect(issuer.issue).not.toHaveBeenCalled();
  });

  it('password: a blocked address is refused before customer-service is asked', async () => {
    const { service, throttle, customers } = build();
    throttle.passwordRetryAfter.mockResolvedValue(30);
    await expect(
      service.grant(
        client(['password']),
        { grant_type: 'password', username: 'ada', password: 'pw', scope: 'profile:read' },
        requester,
      ),
    ).rejects.toMatchObject({ status: 429, headers: { 'Retry-After': '30' } });
    expect(customers.verify).not.toHaveBeenCalled();
  });

  it('password: customer-service unavailable answers 503 temporarily_unavailable', async () => {
    const { service, throttle } = build({ result: 'unavailable' });
    await expect(
      service.grant(
        client(['password']),
        { grant_type: 'password', username: 'ada', password: 'pw', scope: 'profile:read' },
        requester,
      ),
    ).rejects.toMatchObject({ error: 'temporarily_unavailable', status: 503 });
    expect(throttle.recordPasswordFailure).not.toHaveBeenCalled();
  });

  it('refresh_token: narrows the scope, mints the successor in the same family and transaction', async () => {
    const { service, refreshTokens, issuer } = build();
    const res = await service.grant(
      client(['password', 'refresh_token']),
      { grant_type: 'refresh_token', refresh_token: 'rt-old', scope: 'profile:read' },
      requester,
    );
    expect(refreshTokens.redeem).toHaveBeenCalledWith('rt-old', 'cl_1', expect.any(Function));
    expect(issuer.issue).toHaveBeenCalledWith(
      expect.objectContaining({ subject: 'cust-1', scopes: ['profile:read'], userType: 'RETAIL' }),
    );
    expect(refreshTokens.mint).toHaveBeenCalledWith(
      expect.objectContaining({ scope: 'profile:read profile:write' }),
      expect.objectContaining({ jti: 'jti-1' }),
      'fam-1',
      TX,
    );
    expect(res).toMatchObject({ scope: 'profile:read', refresh_token: 'rt-new' });
  });

  it('refresh_token: a reused token answers invalid_grant', async () => {
    const { service, refreshTokens } = build();
    refreshTokens.redeem.mockResolvedValue({ outcome: 'reused' } as never);
    await expect(
      service.grant(
        client(['password']),
        { grant_type: 'refresh_token', refresh_token: 'rt-old' },
        requester,
      ),
    ).rejects.toMatchObject({
      error: 'invalid_grant',
      description: 'The refresh token was already used.',
    });
  });
});

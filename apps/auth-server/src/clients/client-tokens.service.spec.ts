import { FI_SCOPES, Scope } from '@app/common';
import type { AuthEnv } from '../config/auth.env';
import type { AuthMetrics } from '../tokens/auth.metrics';
import type { TokenService } from '../tokens/token.service';
import type { ClientEntity } from './client.entity';
import { ClientTokensService } from './client-tokens.service';
import type { ClientsService } from './clients.service';

const client = {
  id: 'id-1',
  clientId: 'cl_1',
  institutionId: 'fi-one',
  status: 'active',
  grantTypes: ['client_credentials'],
  allowedScopes: ['customers:read', 'account:read', 'banking-activities:read'],
  defaultScopes: ['customers:read'],
} as unknown as ClientEntity;

function build(found: Partial<ClientEntity> = {}, ttl = 900) {
  const clients = { get: jest.fn(async () => ({ ...client, ...found }) as ClientEntity) };
  const tokens = {
    clientCredentialsToken: jest.fn(
      async (_c: ClientEntity, scopes: readonly string[], t?: number) => ({
        access_token: 'jwt',
        token_type: 'Bearer' as const,
        expires_in: t ?? ttl,
        scope: scopes.join(' '),
      }),
    ),
  };
  const metrics = { issued: jest.fn() };
  const service = new ClientTokensService(
    clients as Partial<ClientsService> as ClientsService,
    tokens as Partial<TokenService> as TokenService,
    { ACCESS_TOKEN_TTL_SECONDS: ttl } as AuthEnv,
    metrics as Partial<AuthMetrics> as AuthMetrics,
  );
  return { service, clients, tokens, metrics };
}
const request = {
  clientId: 'cl_1',
  institutionId: 'fi-one',
  grantable: FI_SCOPES,
  adminClientId: 'adm',
};

describe('ClientTokensService (try-it tokens)', () => {
  it("issues through TokenService's client_credentials path: default scopes, 300 s, counted", async () => {
    const { service, clients, tokens, metrics } = build();
    await expect(service.mint(request)).resolves.toMatchObject({
      expires_in: 300,
      scope: 'customers:read',
    });
    expect(clients.get).toHaveBeenCalledWith('cl_1', 'fi-one');
    expect(tokens.clientCredentialsToken).toHaveBeenCalledWith(
      expect.objectContaining({ clientId: 'cl_1' }),
      ['customers:read'],
      300,
    );
    expect(metrics.issued).toHaveBeenCalledWith('admin_try_it');
  });

  it('takes named scopes (aliases folded, duplicates dropped) and never outlives ACCESS_TOKEN_TTL_SECONDS', async () => {
    const { service, tokens } = build({}, 600);
    await service.mint({
      ...request,
      scopes: ['account:read', 'banking-activites:read', 'account:read'],
      expiresIn: 900,
    });
    expect(tokens.clientCredentialsToken).toHaveBeenCalledWith(
      expect.anything(),
      ['account:read', 'banking-activities:read'],
      600,
    );
  });

  it('refuses scopes the client lacks or the admin cannot hand out, with field errors', async () => {
    const { service, tokens } = build({
      allowedScopes: ['customers:read', Scope.ClientsAdmin, Scope.InternalSandboxAdmin],
    });
    await expect(
      service.mint({
        ...request,
        scopes: [
          'customers:read',
          'customers:write',
          Scope.ClientsAdmin,
          Scope.InternalSandboxAdmin,
        ],
      }),
    ).rejects.toMatchObject({
      code: 'AUTH_INVALID_TOKEN_REQUEST',
      status: 400,
      options: {
        errors: [{ pointer: '/scopes/1' }, { pointer: '/scopes/2' }, { pointer: '/scopes/3' }],
      },
    });
    expect(tokens.clientCredentialsToken).not.toHaveBeenCalled();
  });

  it('refuses default scopes it cannot hand out, or none, instead of narrowing them silently', async () => {
    const internal = build({ defaultScopes: [Scope.InternalSandboxAdmin] });
    await expect(internal.service.mint(request)).rejects.toMatchObject({
      options: { errors: [{ pointer: '/scopes' }] },
    });
    const none = build({ defaultScopes: [] });
    await expect(none.service.mint(request)).rejects.toMatchObject({
      options: { errors: [{ pointer: '/scopes' }] },
    });
  });

  it('refuses a disabled client and one without the client_credentials grant (409)', async () => {
    await expect(build({ status: 'disabled' }).service.mint(request)).rejects.toMatchObject({
      code: 'AUTH_CLIENT_DISABLED',
      status: 409,
    });
    await expect(
      build({ grantTypes: ['password', 'refresh_token'] }).service.mint(request),
    ).rejects.toMatchObject({ code: 'AUTH_CLIENT_GRANT_NOT_ALLOWED', status: 409 });
  });
});

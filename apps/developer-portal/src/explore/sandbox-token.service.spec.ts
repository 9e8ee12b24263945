import type { PlatformApp, PlatformClient } from '../platform/platform-client';
import { PlatformCallError } from '../platform/platform-client';
import { SandboxTokenService, TOKEN_SECONDS } from './sandbox-token.service';

const app = (over: Partial<PlatformApp>): PlatformApp => ({
  clientId: 'app-1',
  institutionId: 'sbx-1',
  name: 'First app',
  scopes: ['banking-activities:read', 'account:read', 'banking-activities:deliveries'],
  defaultScopes: [],
  grantTypes: ['client_credentials'],
  status: 'active',
  createdAt: '2026-11-30T10:00:00.000Z',
  updatedAt: '2026-11-30T10:00:00.000Z',
  secretRotatedAt: null,
  disabledAt: null,
  ...over,
});

function platform(apps: PlatformApp[]) {
  let n = 0;
  const mock = {
    listApps: jest.fn(async (_institutionId: string) => apps),
    mintSandboxToken: jest.fn(async (clientId: string, o?: { scopes?: readonly string[] }) => ({
      access_token: `token-${clientId}-${++n}`,
      token_type: 'Bearer',
      expires_in: TOKEN_SECONDS,
      scope: (o?.scopes ?? []).join(' '),
    })),
  };
  return { mock, service: new SandboxTokenService(mock as unknown as PlatformClient) };
}

const READ = ['banking-activities:read', 'account:read'];

describe('SandboxTokenService', () => {
  it("mints for the organization's oldest active app that has the scopes, for 5 minutes", async () => {
    const { mock, service } = platform([
      app({ clientId: 'newer', createdAt: '2026-11-30T12:00:00.000Z' }),
      app({ clientId: 'revoked', createdAt: '2026-11-30T09:00:00.000Z', status: 'disabled' }),
      app({
        clientId: 'narrow',
        createdAt: '2026-11-30T08:00:00.000Z',
        scopes: ['customers:read'],
      }),
      app({ clientId: 'other-fi', institutionId: 'sbx-2', createdAt: '2026-11-30T07:00:00.000Z' }),
      app({ clientId: 'first' }),
    ]);
    const result = await service.tokenFor('sbx-1', READ, undefined, 1_000_000);
    expect(result).toMatchObject({
      ok: true,
      token: { accessToken: 'token-first-1', expiresAt: 1_000_000 + TOKEN_SECONDS * 1000 },
    });
    expect(result.apps.map((a) => a.clientId)).toEqual(['first', 'newer']);
    expect(mock.listApps).toHaveBeenCalledWith('sbx-1');
    expect(mock.mintSandboxToken).toHaveBeenCalledWith('first', {
      scopes: READ,
      expiresIn: TOKEN_SECONDS,
    });
  });

  it('takes the chosen app when it qualifies, never one of another FI', async () => {
    const { service } = platform([
      app({ clientId: 'first' }),
      app({ clientId: 'second', createdAt: '2026-11-30T11:00:00.000Z' }),
      app({ clientId: 'theirs', institutionId: 'sbx-2' }),
    ]);
    expect(await service.tokenFor('sbx-1', READ, 'second')).toMatchObject({
      ok: true,
      token: { app: { clientId: 'second' } },
    });
    expect(await service.tokenFor('sbx-1', READ, 'theirs')).toMatchObject({
      ok: true,
      token: { app: { clientId: 'first' } },
    });
  });

  it('reuses a token until a minute before it expires, and never after forget()', async () => {
    const { mock, service } = platform([app({ clientId: 'a' })]);
    const t0 = 5_000_000;
    const first = await service.tokenFor('sbx-1', READ, undefined, t0);
    const again = await service.tokenFor('sbx-1', [...READ].reverse(), undefined, t0 + 239_000);
    expect(again).toMatchObject({ ok: true, token: { accessToken: 'token-a-1' } });
    const late = await service.tokenFor('sbx-1', READ, undefined, t0 + 241_000);
    expect(late).toMatchObject({ ok: true, token: { accessToken: 'token-a-2' } });
    if (!late.ok || !first.ok) throw new Error('unreachable');
    service.forget(late.token);
    expect(await service.tokenFor('sbx-1', READ, undefined, t0 + 242_000)).toMatchObject({
      token: { accessToken: 'token-a-3' },
    });
    expect(mock.mintSandboxToken).toHaveBeenCalledTimes(3);
  });

  it('says when no app qualifies, or the auth-server fails', async () => {
    const none = platform([app({ status: 'disabled' })]).service;
    expect(await none.tokenFor('sbx-1', READ)).toMatchObject({
      ok: false,
      reason: 'no-app',
      apps: [],
    });

    const broken = platform([app({})]);
    broken.mock.mintSandboxToken.mockRejectedValueOnce(new PlatformCallError('boom', 503));
    expect(await broken.service.tokenFor('sbx-1', READ)).toMatchObject({
      ok: false,
      reason: 'unavailable',
    });
    broken.mock.listApps.mockRejectedValueOnce(new PlatformCallError('down', 0));
    const down = await broken.service.tokenFor('sbx-1', READ);
    expect(down).toMatchObject({ ok: false, reason: 'unavailable' });
    expect(!down.ok && down.detail).toMatch(/could not be reached/);
  });
});

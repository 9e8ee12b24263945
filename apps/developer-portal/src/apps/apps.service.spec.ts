import type { PlatformApp, PlatformClient } from '../platform/platform-client';
import { AppsService } from './apps.service';

const app = (over: Partial<PlatformApp> = {}): PlatformApp => ({
  clientId: 'app-1',
  institutionId: 'sbx-mine',
  name: 'Mine',
  scopes: ['customers:read'],
  defaultScopes: [],
  grantTypes: ['client_credentials'],
  status: 'active',
  createdAt: '2026-01-01T00:00:00.000Z',
  updatedAt: '2026-01-01T00:00:00.000Z',
  secretRotatedAt: null,
  disabledAt: null,
  ...over,
});

function setup(found: PlatformApp | undefined) {
  const platform = {
    getApp: jest.fn().mockResolvedValue(found),
    listApps: jest.fn().mockResolvedValue([]),
    createApp: jest.fn().mockResolvedValue({ ...app(), clientSecret: 's' }),
    rotateSecret: jest.fn().mockResolvedValue({ ...app(), clientSecret: 's2' }),
    disableApp: jest.fn().mockResolvedValue(app({ status: 'disabled' })),
  };
  return { platform, service: new AppsService(platform as unknown as PlatformClient) };
}

describe('AppsService', () => {
  it("answers another organization's app as an unknown one, and never acts on it", async () => {
    const { platform, service } = setup(app({ institutionId: 'sbx-theirs' }));
    await expect(service.owned('sbx-mine', 'app-1')).rejects.toMatchObject({
      code: 'PORTAL_APP_NOT_FOUND',
      status: 404,
    });
    await expect(service.rotate('sbx-mine', 'app-1', 0)).rejects.toMatchObject({ status: 404 });
    await expect(service.revoke('sbx-mine', 'app-1')).rejects.toMatchObject({ status: 404 });
    expect(platform.rotateSecret).not.toHaveBeenCalled();
    expect(platform.disableApp).not.toHaveBeenCalled();
  });

  it('refuses a malformed client id without asking the auth-server', async () => {
    const { platform, service } = setup(app());
    await expect(service.owned('sbx-mine', '../admin')).rejects.toMatchObject({ status: 404 });
    expect(platform.getApp).not.toHaveBeenCalled();
  });

  it('rotates only with an offered overlap', async () => {
    const { platform, service } = setup(app());
    await expect(service.rotate('sbx-mine', 'app-1', 5)).rejects.toMatchObject({ status: 400 });
    expect(platform.rotateSecret).not.toHaveBeenCalled();
    await service.rotate('sbx-mine', 'app-1', 86_400);
    expect(platform.rotateSecret).toHaveBeenCalledWith('app-1', 86_400);
  });

  it('creates apps with FI scopes only, in the organization’s FI', async () => {
    const { platform, service } = setup(undefined);
    await expect(
      service.create('sbx-mine', { name: 'x', scopes: ['clients:admin'] }),
    ).rejects.toMatchObject({ status: 400 });
    await expect(service.create('sbx-mine', { name: ' ', scopes: [] })).rejects.toMatchObject({
      options: { errors: [{ pointer: '/name' }, { pointer: '/scopes' }] },
    });
    await service.create('sbx-mine', { name: ' Job ', scopes: ['account:read', 'account:read'] });
    expect(platform.createApp).toHaveBeenCalledWith(
      expect.objectContaining({ institutionId: 'sbx-mine', name: 'Job', scopes: ['account:read'] }),
    );
  });
});

import type { DeveloperRecord, DeveloperRepository } from '../accounts/developer.repository';
import { PlatformCallError, type PlatformClient } from '../platform/platform-client';
import type { OrganizationRecord, OrganizationRepository } from './organization.repository';
import { FIRST_APP_NAME, ProvisioningService } from './provisioning.service';

const developer: DeveloperRecord = {
  id: 'dev-1',
  email: 'a@example.com',
  name: 'Ada',
  passwordHash: 'h',
  verified: true,
  organizationId: 'org-1',
};

function setup(org: Partial<OrganizationRecord>) {
  const state: OrganizationRecord = {
    id: 'org-1',
    name: 'Ada sandbox',
    institutionId: 'sbx-1',
    firstClientId: null,
    firstSecretShown: false,
    customersSeededAt: null,
    activitySeededAt: null,
    provisionedAt: null,
    lastError: null,
    ...org,
  };
  const organizations = {
    findById: jest.fn(async () => ({ ...state })),
    insert: jest.fn(),
    update: jest.fn(async (_id: string, changes: Partial<OrganizationRecord>) =>
      Object.assign(state, changes),
    ),
    exclusive: jest.fn(async (_key: string, work: () => Promise<unknown>) => work()),
  };
  const developers = {
    findById: jest.fn().mockResolvedValue(developer),
    setOrganization: jest.fn(),
  };
  const platform = {
    listApps: jest.fn().mockResolvedValue([]),
    createApp: jest.fn().mockResolvedValue({ clientId: 'app-1', clientSecret: 'first-secret' }),
    rotateSecret: jest.fn().mockResolvedValue({ clientId: 'app-1', clientSecret: 'new-secret' }),
    seedCustomers: jest.fn().mockResolvedValue({ customers: [] }),
    seedActivity: jest.fn().mockResolvedValue({}),
  };
  const service = new ProvisioningService(
    developers as unknown as DeveloperRepository,
    organizations as unknown as OrganizationRepository,
    platform as unknown as PlatformClient,
  );
  return { service, platform, organizations, state };
}

describe('ProvisioningService', () => {
  it('runs every step and shows the secret the app was created with', async () => {
    const { service, platform, state } = setup({});
    const keys = await service.provision('dev-1');
    expect(keys).toMatchObject({
      institutionId: 'sbx-1',
      clientId: 'app-1',
      clientSecret: 'first-secret',
    });
    expect(platform.createApp).toHaveBeenCalledWith(
      expect.objectContaining({ institutionId: 'sbx-1', name: FIRST_APP_NAME }),
    );
    expect(platform.rotateSecret).not.toHaveBeenCalled();
    expect(state.provisionedAt).toBeInstanceOf(Date);
    expect(state.firstSecretShown).toBe(true);
  });

  it('records a failed step and its reason, keeping the steps done', async () => {
    const { service, platform, state } = setup({});
    platform.seedActivity.mockRejectedValueOnce(new PlatformCallError('down', 0));
    await expect(service.provision('dev-1')).rejects.toMatchObject({
      code: 'PORTAL_PROVISIONING_FAILED',
      status: 503,
    });
    expect(state.firstClientId).toBe('app-1');
    expect(state.customersSeededAt).toBeInstanceOf(Date);
    expect(state.activitySeededAt).toBeNull();
    expect(state.lastError).toBe('a platform service could not be reached.');
  });

  it('continues where it stopped, and shows a new secret when the first was never shown', async () => {
    const seeded = new Date();
    const { service, platform, state } = setup({
      firstClientId: 'app-1',
      customersSeededAt: seeded,
    });
    const keys = await service.provision('dev-1');
    expect(platform.createApp).not.toHaveBeenCalled();
    expect(platform.seedCustomers).not.toHaveBeenCalled();
    expect(platform.seedActivity).toHaveBeenCalledWith('sbx-1', undefined);
    expect(platform.rotateSecret).toHaveBeenCalledWith('app-1', 0);
    expect(keys.clientSecret).toBe('new-secret');
    expect(state.lastError).toBeNull();
  });

  it('adopts a first app whose creation answer was lost instead of making another', async () => {
    const { service, platform } = setup({});
    platform.listApps.mockResolvedValue([
      { clientId: 'app-lost', name: FIRST_APP_NAME, status: 'active' },
    ]);
    platform.rotateSecret.mockResolvedValue({ clientId: 'app-lost', clientSecret: 'again' });
    const keys = await service.provision('dev-1');
    expect(platform.createApp).not.toHaveBeenCalled();
    expect(keys).toMatchObject({ clientId: 'app-lost', clientSecret: 'again' });
  });

  it('shows no secret once provisioned', async () => {
    const { service, platform } = setup({
      firstClientId: 'app-1',
      firstSecretShown: true,
      customersSeededAt: new Date(),
      activitySeededAt: new Date(),
      provisionedAt: new Date(),
    });
    const keys = await service.provision('dev-1');
    expect(keys.clientSecret).toBeUndefined();
    expect(platform.rotateSecret).not.toHaveBeenCalled();
  });

  it('says busy when another request holds the organization', async () => {
    const { service, organizations } = setup({});
    organizations.exclusive.mockResolvedValueOnce('busy');
    await expect(service.provision('dev-1')).rejects.toMatchObject({
      code: 'PORTAL_PROVISIONING_BUSY',
    });
  });
});

import { loadEnv } from '@app/common';
import { CustomerEnv } from '../config/customer.env';
import { CredentialsService } from './credentials.service';

describe('CredentialsService.verify', () => {
  const env = loadEnv(CustomerEnv, { DATABASE_URL: 'postgres://localhost/db' });
  const check = {
    institutionId: 'fi-one',
    loginId: 'NoBody',
    password: 'guess',
    clientId: 'app',
    ipAddress: '10.0.0.1',
  };

  it('spends a full verification on an unknown loginId, then answers invalid', async () => {
    const dataSource = { query: jest.fn().mockResolvedValue([]), transaction: jest.fn() };
    const hasher = { verify: jest.fn().mockResolvedValue(false), needsRehash: jest.fn() };
    const service = new CredentialsService(
      dataSource as never,
      hasher as never,
      env,
      {} as never,
      {} as never,
      {} as never,
      {} as never,
    );
    await expect(service.verify(check)).resolves.toEqual({ result: 'invalid' });
    // Looked up case-insensitively within the FI, and verified against the dummy hash.
    expect(dataSource.query).toHaveBeenCalledWith(expect.any(String), ['fi-one', 'nobody']);
    expect(hasher.verify).toHaveBeenCalledWith(undefined, 'guess');
    expect(dataSource.transaction).not.toHaveBeenCalled();
  });
});

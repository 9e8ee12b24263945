import { loadEnv } from '@app/common';
import { plainToInstance } from 'class-transformer';
import { CustomerEnv } from '../config/customer.env';
import { CustomerErrors } from '../customers/customer.errors';
import type { RequestContext } from '../http/request-context';
import { RegistrationDto } from './registration.dto';
import { RegistrationService, type RegistrationRequest } from './registration.service';

/** The service built by hand, every collaborator a mock: what happens in which order. */
function build(overrides: { taken?: boolean; disclosuresFail?: Error } = {}) {
  const env = loadEnv(CustomerEnv, { DATABASE_URL: 'postgres://localhost/db' });
  const dataSource = {
    manager: { existsBy: jest.fn().mockResolvedValue(overrides.taken ?? false) },
    transaction: jest.fn().mockRejectedValue(new Error('database down')),
  };
  const hasher = { hash: jest.fn().mockResolvedValue('$argon2id$...') };
  const ssn = { seal: jest.fn().mockReturnValue('v1.sealed') };
  const disclosures = {
    checkRegistrationAcceptances: overrides.disclosuresFail
      ? jest.fn().mockRejectedValue(overrides.disclosuresFail)
      : jest.fn().mockResolvedValue([]),
  };
  const idempotency = {
    claim: jest.fn(),
    fingerprint: jest.fn().mockReturnValue('fp'),
    release: jest.fn().mockResolvedValue(undefined),
    complete: jest.fn(),
  };
  const service = new RegistrationService(
    dataSource as never,
    env,
    hasher as never,
    ssn as never,
    disclosures as never,
    {} as never,
    {} as never,
    {} as never,
    idempotency as never,
  );
  return { service, dataSource, hasher, disclosures, idempotency };
}

const ctx: RequestContext = {
  actor: { type: 'client', id: 'app' },
  clientId: 'app',
  channel: 'api',
};

function request(password = 'violet tractor sings at dawn', key?: string): RegistrationRequest {
  const dto = plainToInstance(RegistrationDto, {
    loginId: 'jdoe2026',
    password,
    userType: 'RETAIL',
    person: {
      firstName: 'Jane',
      lastName: 'Doe',
      birthDate: '1990-04-17',
      ssn: '123456780',
      emailAddress: 'jane@example.com',
      phoneNumber: '+12025550143',
      postalAddress: {
        address1: '1 Main St',
        city: 'Springfield',
        state: 'IL',
        postalCode: '62701',
        country: 'US',
      },
    },
    acceptedDisclosures: [],
  });
  return {
    institutionId: 'fi-one',
    clientId: 'app',
    dto,
    ctx,
    ...(key ? { idempotency: { key, method: 'POST', path: '/x', body: {} } } : {}),
  };
}

describe('RegistrationService', () => {
  it("refuses a password under the FI's minimum before any hashing", async () => {
    const { service, hasher, dataSource } = build();
    await expect(service.register(request('short but ok!'))).rejects.toMatchObject({
      problem: { code: 'VALIDATION_FAILED', errors: [{ pointer: '/password' }] },
    });
    expect(hasher.hash).not.toHaveBeenCalled();
    expect(dataSource.manager.existsBy).not.toHaveBeenCalled();
  });

  it('refuses a taken loginId before hashing', async () => {
    const { service, hasher } = build({ taken: true });
    await expect(service.register(request())).rejects.toMatchObject({
      code: 'CUS_LOGIN_ID_TAKEN',
    });
    expect(hasher.hash).not.toHaveBeenCalled();
  });

  it('checks the disclosures before hashing', async () => {
    const { service, hasher } = build({ disclosuresFail: CustomerErrors.disclosureRequired([]) });
    await expect(service.register(request())).rejects.toMatchObject({
      code: 'CUS_DISCLOSURE_REQUIRED',
    });
    expect(hasher.hash).not.toHaveBeenCalled();
  });

  it('answers a replay from the stored response, creating nothing', async () => {
    const { service, idempotency, hasher } = build();
    idempotency.claim.mockResolvedValue({
      kind: 'replay',
      response: { status: 201, headers: { Location: '/x' }, body: { customerId: 'c' } },
    });
    await expect(service.register(request(undefined, 'key-1'))).resolves.toEqual({
      status: 201,
      headers: { Location: '/x' },
      body: { customerId: 'c' },
      replayed: true,
    });
    expect(hasher.hash).not.toHaveBeenCalled();
  });

  it('releases its Idempotency-Key when the registration fails', async () => {
    const { service, idempotency } = build();
    const scope = { clientId: 'app', institutionId: 'fi-one', key: 'key-2' };
    idempotency.claim.mockResolvedValue({ kind: 'claimed', scope });
    await expect(service.register(request(undefined, 'key-2'))).rejects.toThrow('database down');
    expect(idempotency.release).toHaveBeenCalledWith(scope);
  });
});

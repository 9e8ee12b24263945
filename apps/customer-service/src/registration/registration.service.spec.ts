import { plainToInstance } from 'class-transformer';
import { CustomerErrors } from '../customers/customer.errors';
import type { ActivityEvent } from '../outbox/activity-event';
import { appContext, FakeUnitOfWork, testEnv } from '../testing/fakes';
import { RegistrationDto } from './registration.dto';
import { RegistrationService, type RegistrationRequest } from './registration.service';

/** The service built by hand with repository mocks: what is checked first, what gets stored. */
function build(overrides: { taken?: boolean; disclosuresFail?: Error; insertOk?: boolean } = {}) {
  const uow = new FakeUnitOfWork();
  const customers = {
    loginIdTaken: jest.fn().mockResolvedValue(overrides.taken ?? false),
    insertUnlessLoginIdTaken: jest.fn().mockResolvedValue(overrides.insertOk ?? true),
  };
  const credentials = { insert: jest.fn().mockResolvedValue(undefined) };
  const hasher = { hash: jest.fn().mockResolvedValue('$argon2id$...') };
  const ssn = { seal: jest.fn().mockReturnValue('v1.sealed') };
  const terms = {
    id: 'd1',
    disclosureId: 'terms',
    version: '1',
    required: true,
  };
  const disclosures = {
    checkRegistrationAcceptances: overrides.disclosuresFail
      ? jest.fn().mockRejectedValue(overrides.disclosuresFail)
      : jest.fn().mockResolvedValue([terms]),
    acceptances: jest.fn((c: { id: string }, ds: (typeof terms)[], _ctx: unknown, at: Date) => ({
      rows: ds.map((d) => ({
        customerId: c.id,
        disclosureId: d.disclosureId,
        version: d.version,
        acceptedAt: at,
      })),
      events: ds.map(() => ({ eventId: 'disclosureAcceptance' })),
    })),
    storeAcceptances: jest.fn().mockResolvedValue(undefined),
  };
  const audit = { record: jest.fn().mockResolvedValue(undefined) };
  const outbox = { append: jest.fn().mockResolvedValue(undefined) };
  const idempotency = {
    claim: jest.fn(),
    fingerprint: jest.fn().mockReturnValue('fp'),
    release: jest.fn().mockResolvedValue(undefined),
    complete: jest.fn().mockResolvedValue(undefined),
  };
  const service = new RegistrationService(
    uow.asUnitOfWork,
    customers as never,
    credentials as never,
    testEnv(),
    hasher as never,
    ssn as never,
    disclosures as never,
    audit as never,
    outbox as never,
    idempotency as never,
  );
  return { service, uow, customers, credentials, hasher, disclosures, audit, outbox, idempotency };
}

function request(password = 'violet tractor sings at dawn', key?: string): RegistrationRequest {
  const dto = plainToInstance(RegistrationDto, {
    loginId: 'JDoe2026',
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
    acceptedDisclosures: [{ disclosureId: 'terms', version: '1' }],
  });
  return {
    institutionId: 'fi-one',
    clientId: 'app',
    dto,
    ctx: appContext,
    ...(key ? { idempotency: { key, method: 'POST', path: '/x', body: {} } } : {}),
  };
}

describe('RegistrationService', () => {
  it("refuses a password under the FI's minimum before any lookup or hashing", async () => {
    const { service, hasher, customers } = build();
    await expect(service.register(request('short but ok!'))).rejects.toMatchObject({
      problem: { code: 'VALIDATION_FAILED', errors: [{ pointer: '/password' }] },
    });
    expect(hasher.hash).not.toHaveBeenCalled();
    expect(customers.loginIdTaken).not.toHaveBeenCalled();
  });

  it('refuses a taken loginId (any case) before hashing', async () => {
    const { service, hasher, customers } = build({ taken: true });
    await expect(service.register(request())).rejects.toMatchObject({
      code: 'CUS_LOGIN_ID_TAKEN',
    });
    expect(customers.loginIdTaken).toHaveBeenCalledWith('fi-one', 'jdoe2026');
    expect(hasher.hash).not.toHaveBeenCalled();
  });

  it('checks the disclosures before hashing', async () => {
    const { service, hasher } = build({ disclosuresFail: CustomerErrors.disclosureRequired([]) });
    await expect(service.register(request())).rejects.toMatchObject({
      code: 'CUS_DISCLOSURE_REQUIRED',
    });
    expect(hasher.hash).not.toHaveBeenCalled();
  });

  it('stores customer, credentials, acceptances, events and audit in one unit of work', async () => {
    const b = build();
    const result = await b.service.register(request());
    expect(b.uow.transactions).toBe(1);
    // The acceptances checked again under the FI's lock, inside the transaction.
    expect(b.disclosures.checkRegistrationAcceptances).toHaveBeenLastCalledWith(
      'fi-one',
      [{ disclosureId: 'terms', version: '1' }],
      { locked: true },
    );
    const stored = b.customers.insertUnlessLoginIdTaken.mock.calls[0]![0];
    expect(stored).toMatchObject({
      loginId: 'JDoe2026',
      loginIdKey: 'jdoe2026',
      status: 'registered',
      ssnSealed: 'v1.sealed',
      ssnLast4: '6780',
      version: 1,
    });
    expect(b.credentials.insert).toHaveBeenCalledWith(stored.id, '$argon2id$...', expect.any(Date));
    expect(b.disclosures.storeAcceptances).toHaveBeenCalledWith([
      expect.objectContaining({ customerId: stored.id, disclosureId: 'terms', version: '1' }),
    ]);
    // Every event of the registration in one append.
    expect(b.outbox.append).toHaveBeenCalledTimes(1);
    const events = b.outbox.append.mock.calls[0]![0] as ActivityEvent[];
    expect(events.map((e) => e.eventId)).toEqual(['registrationUser', 'disclosureAcceptance']);
    expect(b.audit.record).toHaveBeenCalledWith(
      expect.objectContaining({ action: 'registered', customerId: stored.id }),
      appContext,
    );
    expect(result).toMatchObject({
      status: 201,
      replayed: false,
      headers: { Location: `/customers/v2/customers/${stored.id}`, ETag: expect.any(String) },
      body: {
        customerId: stored.id,
        userStatus: 'registered',
        acceptedDisclosures: [{ disclosureId: 'terms', version: '1' }],
      },
    });
  });

  it('answers CUS_LOGIN_ID_TAKEN when the loginId was taken meanwhile', async () => {
    const { service, credentials } = build({ insertOk: false });
    await expect(service.register(request())).rejects.toMatchObject({
      code: 'CUS_LOGIN_ID_TAKEN',
    });
    expect(credentials.insert).not.toHaveBeenCalled();
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

  it('stores the response with its claim, and releases the key when the registration fails', async () => {
    const ok = build();
    const scope = { clientId: 'app', institutionId: 'fi-one', key: 'key-2' };
    ok.idempotency.claim.mockResolvedValue({ kind: 'claimed', scope });
    const result = await ok.service.register(request(undefined, 'key-2'));
    expect(ok.idempotency.complete).toHaveBeenCalledWith(scope, {
      status: 201,
      headers: result.headers,
      body: result.body,
    });

    const failing = build();
    failing.idempotency.claim.mockResolvedValue({ kind: 'claimed', scope });
    failing.credentials.insert.mockRejectedValue(new Error('database down'));
    await expect(failing.service.register(request(undefined, 'key-2'))).rejects.toThrow(
      'database down',
    );
    expect(failing.idempotency.release).toHaveBeenCalledWith(scope);
    expect(failing.idempotency.complete).not.toHaveBeenCalled();
  });
});

import { plainToInstance } from 'class-transformer';
import { CustomerErrors } from '../customers/customer.errors';
import type { ActivityEvent } from '../outbox/activity-event';
import { appContext, testEnv } from '../testing/fakes';
import { RegistrationDto } from './registration.dto';
import { RegistrationService, type RegistrationRequest } from './registration.service';

/** A gated statement's stand-in: records what it was built from. */
const part = (what: string) => jest.fn((...args: unknown[]) => ({ what, args }));

/** The service built by hand with repository mocks: what is checked first, what gets stored. */
function build(
  overrides: {
    taken?: boolean;
    disclosuresFail?: Error;
    outcomes?: { inserted: boolean; inForceKey: string }[];
  } = {},
) {
  const customers = {
    loginIdTaken: jest.fn().mockResolvedValue(overrides.taken ?? false),
    insertStatement: part('customer'),
  };
  const credentials = { insertStatement: part('credentials') };
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
      : jest.fn().mockResolvedValue({ accepted: [terms], inForceKey: 'd1' }),
    acceptances: jest.fn((c: { id: string }, ds: (typeof terms)[], _ctx: unknown, at: Date) => ({
      rows: ds.map((d) => ({
        customerId: c.id,
        disclosureId: d.disclosureId,
        version: d.version,
        acceptedAt: at,
      })),
      events: ds.map(() => ({ eventId: 'disclosureAcceptance' })),
    })),
    storeAcceptancesStatement: part('acceptances'),
    inForceUnderLockStatement: jest.fn(() => ({ sql: 'in force', params: [] })),
  };
  const audit = { recordStatement: part('audit') };
  const outbox = { appendStatement: part('events') };
  const idempotency = {
    claim: jest.fn(),
    fingerprint: jest.fn().mockReturnValue('fp'),
    release: jest.fn().mockResolvedValue(undefined),
    completeStatement: part('response'),
  };
  const outcomes = [...(overrides.outcomes ?? [{ inserted: true, inForceKey: 'd1' }])];
  const registrations = {
    insert: jest.fn(() => {
      const next = outcomes.length > 1 ? outcomes.shift()! : outcomes[0]!;
      return next instanceof Error ? Promise.reject(next) : Promise.resolve(next);
    }),
  };
  const service = new RegistrationService(
    registrations as never,
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
  return {
    service,
    registrations,
    customers,
    credentials,
    hasher,
    disclosures,
    audit,
    outbox,
    idempotency,
  };
}

/** What the one registration statement was asked to write, by part. */
function written(b: ReturnType<typeof build>, call = 0) {
  const writes = (
    b.registrations.insert.mock.calls as unknown as [
      { customer: { what: string }; with: { what: string }[]; checkedInForceKey: string },
    ][]
  )[call]![0];
  return writes;
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

  it('stores customer, credentials, acceptances, events and audit in one statement', async () => {
    const b = build();
    const result = await b.service.register(request());
    expect(b.registrations.insert).toHaveBeenCalledTimes(1);
    const writes = written(b);
    // The insert applies only if the versions in force are still those checked (under the lock).
    expect(writes.checkedInForceKey).toBe('d1');
    expect(b.disclosures.inForceUnderLockStatement).toHaveBeenCalledWith('fi-one');
    expect(writes.customer.what).toBe('customer');
    expect(writes.with.map((w) => w.what)).toEqual([
      'credentials',
      'acceptances',
      'events',
      'audit',
    ]);
    const stored = b.customers.insertStatement.mock.calls[0]![0] as { id: string };
    expect(stored).toMatchObject({
      loginId: 'JDoe2026',
      loginIdKey: 'jdoe2026',
      status: 'registered',
      ssnSealed: 'v1.sealed',
      ssnLast4: '6780',
      version: 1,
    });
    expect(b.credentials.insertStatement).toHaveBeenCalledWith(
      stored.id,
      '$argon2id$...',
      expect.any(Date),
    );
    expect(b.disclosures.storeAcceptancesStatement).toHaveBeenCalledWith([
      expect.objectContaining({ customerId: stored.id, disclosureId: 'terms', version: '1' }),
    ]);
    // Every event of the registration in one insert.
    const events = b.outbox.appendStatement.mock.calls[0]![0] as ActivityEvent[];
    expect(events.map((e) => e.eventId)).toEqual(['registrationUser', 'disclosureAcceptance']);
    expect(b.audit.recordStatement).toHaveBeenCalledWith(
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
    const b = build({ outcomes: [{ inserted: false, inForceKey: 'd1' }] });
    await expect(b.service.register(request())).rejects.toMatchObject({
      code: 'CUS_LOGIN_ID_TAKEN',
    });
    expect(b.registrations.insert).toHaveBeenCalledTimes(1);
  });

  it('checks the disclosures again when a version took effect since, and then retries', async () => {
    const b = build({
      outcomes: [
        { inserted: false, inForceKey: 'd1,d2' },
        { inserted: true, inForceKey: 'd1,d2' },
      ],
    });
    b.disclosures.checkRegistrationAcceptances
      .mockResolvedValueOnce({ accepted: [], inForceKey: 'd1' })
      .mockResolvedValueOnce({ accepted: [], inForceKey: 'd1,d2' });
    await expect(b.service.register(request())).resolves.toMatchObject({ status: 201 });
    expect(b.disclosures.checkRegistrationAcceptances).toHaveBeenLastCalledWith(
      'fi-one',
      [{ disclosureId: 'terms', version: '1' }],
      { fresh: true },
    );
    expect(written(b, 1).checkedInForceKey).toBe('d1,d2');
    // Hashed once.
    expect(b.hasher.hash).toHaveBeenCalledTimes(1);
  });

  it('refuses when the version that took effect since is not accepted', async () => {
    const b = build({ outcomes: [{ inserted: false, inForceKey: 'd2' }] });
    b.disclosures.checkRegistrationAcceptances
      .mockResolvedValueOnce({ accepted: [], inForceKey: 'd1' })
      .mockRejectedValueOnce(CustomerErrors.disclosureRequired([]));
    await expect(b.service.register(request())).rejects.toMatchObject({
      code: 'CUS_DISCLOSURE_REQUIRED',
    });
    expect(b.registrations.insert).toHaveBeenCalledTimes(1);
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
    // In the registration's own statement.
    expect(written(ok).with.map((w) => w.what)).toContain('response');
    expect(ok.idempotency.completeStatement).toHaveBeenCalledWith(scope, {
      status: 201,
      headers: result.headers,
      body: result.body,
    });

    const failing = build({ outcomes: [new Error('database down') as never] });
    failing.idempotency.claim.mockResolvedValue({ kind: 'claimed', scope });
    await expect(failing.service.register(request(undefined, 'key-2'))).rejects.toThrow(
      'database down',
    );
    expect(failing.idempotency.release).toHaveBeenCalledWith(scope);
  });
});

import type { ActivityEvent } from '../outbox/activity-event';
import { customer, FakeUnitOfWork, testEnv } from '../testing/fakes';
import { CredentialsService } from './credentials.service';

/** The service built by hand with repository mocks: what gets stored, what is answered. */
function build(found = customer(), options: { passwordOk?: boolean; rehash?: boolean } = {}) {
  const uow = new FakeUnitOfWork();
  const credentials = {
    findByLogin: jest
      .fn()
      .mockResolvedValue({ customerId: found.id, passwordHash: '$argon2id$old' }),
    replaceHash: jest.fn().mockResolvedValue(undefined),
  };
  const customers = {
    lockById: jest.fn().mockResolvedValue(found),
    update: jest.fn().mockResolvedValue(undefined),
  };
  const hasher = {
    verify: jest.fn().mockResolvedValue(options.passwordOk ?? true),
    needsRehash: jest.fn().mockReturnValue(options.rehash ?? false),
    hash: jest.fn().mockResolvedValue('$argon2id$new'),
  };
  const audit = { record: jest.fn().mockResolvedValue(undefined) };
  const outbox = { append: jest.fn().mockResolvedValue(undefined) };
  const service = new CredentialsService(
    uow.asUnitOfWork,
    credentials as never,
    customers as never,
    hasher as never,
    testEnv({ MAX_FAILED_LOGINS: '3' }),
    {} as never,
    {} as never,
    audit as never,
    outbox as never,
  );
  const events = (): ActivityEvent[] =>
    outbox.append.mock.calls.flatMap(([batch]: [ActivityEvent[]]) => batch);
  return { service, uow, credentials, customers, hasher, audit, outbox, events };
}

const check = {
  institutionId: 'fi-one',
  loginId: 'JDoe2026',
  password: 'violet tractor sings at dawn',
  clientId: 'mobile',
  ipAddress: '203.0.113.7',
  userAgent: 'x'.repeat(600),
};

describe('CredentialsService.verify', () => {
  it('spends a full verification on an unknown loginId, then answers invalid, storing nothing', async () => {
    const { service, credentials, hasher, uow } = build();
    credentials.findByLogin.mockResolvedValue(undefined);
    await expect(service.verify(check)).resolves.toEqual({ result: 'invalid' });
    // Looked up case-insensitively within the FI, and verified against the dummy hash.
    expect(credentials.findByLogin).toHaveBeenCalledWith('fi-one', 'jdoe2026');
    expect(hasher.verify).toHaveBeenCalledWith(undefined, check.password);
    expect(uow.transactions).toBe(0);
  });

  it('a first login activates the customer, audits it and announces loginSuccess', async () => {
    const { service, customers, audit, events } = build(customer({ status: 'registered' }));
    await expect(service.verify(check, 'tx-1')).resolves.toEqual({
      result: 'ok',
      customerId: customer().id,
      loginId: 'jdoe2026',
      userType: 'RETAIL',
    });
    expect(customers.update).toHaveBeenCalledWith(
      customer().id,
      expect.objectContaining({ status: 'active', failedLoginCount: 0, version: 2 }),
    );
    expect(audit.record).toHaveBeenCalledWith(
      expect.objectContaining({
        action: 'statusChanged',
        changes: [{ field: 'userStatus', old: 'registered', new: 'active' }],
      }),
      expect.objectContaining({
        actor: { type: 'customer', id: customer().id },
        transactionId: 'tx-1',
        userAgent: 'x'.repeat(512),
      }),
    );
    expect(events().map((e) => e.eventId)).toEqual(['loginSuccess']);
  });

  it('an active customer logs in without a new version or audit entry', async () => {
    const { service, customers, audit } = build(
      customer({ status: 'active', lastLoginAt: new Date() }),
    );
    await expect(service.verify(check)).resolves.toMatchObject({ result: 'ok' });
    expect(customers.update.mock.calls[0]![1]).not.toHaveProperty('version');
    expect(audit.record).not.toHaveBeenCalled();
  });

  it('stores a new hash when the parameters changed (rehash on success)', async () => {
    const { service, credentials } = build(customer(), { rehash: true });
    await service.verify(check);
    expect(credentials.replaceHash).toHaveBeenCalledWith(
      customer().id,
      '$argon2id$new',
      expect.any(Date),
    );
  });

  it('counts a wrong password, and locks at MAX_FAILED_LOGINS', async () => {
    const counted = build(customer({ failedLoginCount: 0 }), { passwordOk: false });
    await expect(counted.service.verify(check)).resolves.toEqual({ result: 'invalid' });
    expect(counted.customers.update.mock.calls[0]![1]).toMatchObject({ failedLoginCount: 1 });
    expect(counted.customers.update.mock.calls[0]![1]).not.toHaveProperty('status');
    expect(counted.audit.record).not.toHaveBeenCalled();
    expect(counted.events().map((e) => e.eventId)).toEqual(['loginFailure']);

    const locking = build(customer({ status: 'active', failedLoginCount: 2 }), {
      passwordOk: false,
    });
    await expect(locking.service.verify(check)).resolves.toEqual({ result: 'invalid' });
    expect(locking.customers.update.mock.calls[0]![1]).toMatchObject({
      failedLoginCount: 3,
      status: 'locked',
      lockedAt: expect.any(Date),
    });
    expect(locking.audit.record).toHaveBeenCalledWith(
      expect.objectContaining({ action: 'locked' }),
      expect.anything(),
    );
    expect(locking.events().map((e) => e.eventId)).toEqual(['loginFailure', 'userLocked']);
  });

  it('answers locked for a locked customer, even with the right password, changing nothing', async () => {
    const { service, customers, events } = build(
      customer({ status: 'locked', failedLoginCount: 3 }),
    );
    await expect(service.verify(check)).resolves.toEqual({ result: 'locked' });
    expect(customers.update).not.toHaveBeenCalled();
    expect(events()).toEqual([
      expect.objectContaining({
        eventId: 'loginFailure',
        attributes: { clientId: 'mobile', failedLoginCount: 3, reason: 'locked' },
      }),
    ]);
  });
});

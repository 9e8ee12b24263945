import type { ActivityEvent } from '../outbox/activity-event';
import { customer, FakeUnitOfWork, testEnv } from '../testing/fakes';
import { CredentialsService } from './credentials.service';

/** The service built by hand with repository mocks: what gets stored, what is answered. */
function build(
  found = customer(),
  options: { passwordOk?: boolean; rehash?: boolean; changedSinceRead?: boolean } = {},
) {
  const uow = new FakeUnitOfWork();
  const credentials = {
    findByLogin: jest
      .fn()
      .mockResolvedValue({ customerId: found.id, passwordHash: '$argon2id$old', customer: found }),
    replaceHash: jest.fn().mockResolvedValue(undefined),
  };
  const guarded = { sql: 'UPDATE customers ...', params: [] };
  const customers = {
    lockById: jest.fn().mockResolvedValue(found),
    update: jest.fn().mockResolvedValue(undefined),
    lastLoginIfUnchanged: jest.fn().mockReturnValue(guarded),
  };
  const hasher = {
    verify: jest.fn().mockResolvedValue(options.passwordOk ?? true),
    needsRehash: jest.fn().mockReturnValue(options.rehash ?? false),
    hash: jest.fn().mockResolvedValue('$argon2id$new'),
  };
  const auditPart = { sql: 'INSERT INTO audit_events ...' };
  const audit = {
    record: jest.fn().mockResolvedValue(undefined),
    recordStatement: jest.fn().mockReturnValue(auditPart),
  };
  const outbox = {
    append: jest.fn().mockResolvedValue(undefined),
    // Applies unless the row changed since findByLogin read it.
    appendIf: jest.fn().mockResolvedValue(!options.changedSinceRead),
  };
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
  const guardedEvents = (): ActivityEvent[] =>
    outbox.appendIf.mock.calls.flatMap(([, batch]: [unknown, ActivityEvent[]]) => batch);
  return {
    service,
    uow,
    credentials,
    customers,
    hasher,
    audit,
    outbox,
    events,
    guarded,
    guardedEvents,
    auditPart,
  };
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

  it('a first login activates the customer, audits it and announces loginSuccess: one guarded statement', async () => {
    const registered = customer({ status: 'registered', version: 1 });
    const b = build(registered);
    await expect(b.service.verify(check, 'tx-1')).resolves.toEqual({
      result: 'ok',
      customerId: customer().id,
      loginId: 'jdoe2026',
      userType: 'RETAIL',
    });
    expect(b.uow.transactions).toBe(0);
    expect(b.customers.lockById).not.toHaveBeenCalled();
    // Guarded by what was read, and moving the status (with a new version) to active.
    expect(b.customers.lastLoginIfUnchanged).toHaveBeenCalledWith(
      expect.objectContaining({ id: registered.id, version: 1, status: 'registered' }),
      expect.any(Date),
      'active',
    );
    const audited = {
      action: 'statusChanged',
      changes: [{ field: 'userStatus', old: 'registered', new: 'active' }],
    };
    const ctx = {
      actor: { type: 'customer', id: customer().id },
      transactionId: 'tx-1',
      userAgent: 'x'.repeat(512),
    };
    expect(b.audit.recordStatement).toHaveBeenCalledWith(
      expect.objectContaining(audited),
      expect.objectContaining(ctx),
    );
    // The audit entry and the event only with the change, in the same statement.
    expect(b.outbox.appendIf).toHaveBeenCalledWith(b.guarded, expect.any(Array), expect.any(Date), [
      b.auditPart,
    ]);
    expect(b.guardedEvents().map((e) => e.eventId)).toEqual(['loginSuccess']);
    expect(b.audit.record).not.toHaveBeenCalled();
  });

  it('a first login of a customer changed since it was read: activated under the row lock', async () => {
    const { service, customers, audit, events } = build(customer({ status: 'registered' }), {
      changedSinceRead: true,
    });
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

  it('an active customer without failures: one guarded statement, no lock, no version, no audit', async () => {
    const active = customer({ status: 'active', lastLoginAt: new Date(), version: 7 });
    const { service, uow, customers, audit, outbox, guarded, guardedEvents } = build(active);
    await expect(service.verify(check, 'tx-1')).resolves.toEqual({
      result: 'ok',
      customerId: active.id,
      loginId: 'jdoe2026',
      userType: 'RETAIL',
    });
    expect(uow.transactions).toBe(0);
    expect(customers.lockById).not.toHaveBeenCalled();
    expect(customers.update).not.toHaveBeenCalled();
    expect(audit.record).not.toHaveBeenCalled();
    // Guarded by what was read: applies only if version, status and failures are unchanged.
    expect(customers.lastLoginIfUnchanged).toHaveBeenCalledWith(
      expect.objectContaining({ id: active.id, version: 7, status: 'active' }),
      expect.any(Date),
      'active',
    );
    expect(outbox.appendIf).toHaveBeenCalledWith(guarded, expect.any(Array), expect.any(Date), []);
    expect(guardedEvents()).toEqual([
      expect.objectContaining({
        eventId: 'loginSuccess',
        customerId: active.id,
        attributes: { clientId: 'mobile' },
        ipAddress: '203.0.113.7',
      }),
    ]);
    expect(outbox.append).not.toHaveBeenCalled();
  });

  it('changed since it was read (e.g. a failure counted meanwhile): decided under the row lock', async () => {
    const active = customer({ status: 'active', lastLoginAt: new Date() });
    const { service, uow, customers, events, outbox } = build(active, { changedSinceRead: true });
    await expect(service.verify(check)).resolves.toMatchObject({ result: 'ok' });
    expect(outbox.appendIf).toHaveBeenCalledTimes(1);
    expect(uow.transactions).toBe(1);
    expect(customers.lockById).toHaveBeenCalledWith(active.id);
    expect(customers.update.mock.calls[0]![1]).not.toHaveProperty('version');
    expect(events().map((e) => e.eventId)).toEqual(['loginSuccess']);
  });

  it('failures to clear or a lock: never the guarded statement', async () => {
    for (const found of [
      customer({ status: 'active', failedLoginCount: 2 }),
      customer({ status: 'registered', failedLoginCount: 1 }),
      customer({ status: 'locked', failedLoginCount: 3 }),
    ]) {
      const { service, outbox, uow } = build(found);
      await service.verify(check);
      expect(outbox.appendIf).not.toHaveBeenCalled();
      expect(uow.transactions).toBe(1);
    }
    const wrong = build(customer({ status: 'active' }), { passwordOk: false });
    await expect(wrong.service.verify(check)).resolves.toEqual({ result: 'invalid' });
    expect(wrong.outbox.appendIf).not.toHaveBeenCalled();
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

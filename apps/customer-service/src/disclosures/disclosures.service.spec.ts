import { appContext, customer, FakeUnitOfWork } from '../testing/fakes';
import { DisclosuresService } from './disclosures.service';

const version = (disclosureId: string, v: string, required = true) => ({
  id: `${disclosureId}-${v}`,
  institutionId: 'fi-one',
  disclosureId,
  version: v,
  required,
  activatedAt: null as Date | null,
});

function build() {
  const uow = new FakeUnitOfWork();
  const disclosures = {
    inForce: jest.fn().mockResolvedValue([]),
    inForceRefs: jest.fn().mockResolvedValue([]),
    claimDue: jest.fn().mockResolvedValue([]),
    lockInstitution: jest.fn().mockResolvedValue(undefined),
    markActivated: jest.fn().mockResolvedValue(undefined),
    insertUnlessExists: jest.fn().mockResolvedValue(true),
    insertAcceptances: jest.fn().mockResolvedValue(undefined),
    acceptancesOf: jest.fn().mockResolvedValue([]),
  };
  const customers = {
    findInInstitution: jest.fn(),
    update: jest.fn().mockResolvedValue(undefined),
    pendingDisclosureCounts: jest.fn().mockResolvedValue([]),
    applyStatusChanges: jest.fn((changes: unknown[]) => Promise.resolve(changes)),
  };
  const audit = {
    record: jest.fn().mockResolvedValue(undefined),
    recordMany: jest.fn().mockResolvedValue(undefined),
  };
  const outbox = { append: jest.fn().mockResolvedValue(undefined) };
  const service = new DisclosuresService(
    uow.asUnitOfWork,
    disclosures as never,
    customers as never,
    audit as never,
    outbox as never,
  );
  return { service, uow, disclosures, customers, audit, outbox };
}

describe('DisclosuresService', () => {
  it('activation settles each customer by the one status rule and audits through AuditService', async () => {
    const { service, disclosures, customers, audit } = build();
    disclosures.claimDue.mockResolvedValue([version('terms', '2')]);
    customers.pendingDisclosureCounts.mockResolvedValue([
      { customerId: 'new', status: 'registered', lastLoginAt: null, pending: 1 },
      {
        customerId: 'held',
        status: 'needsToAcceptDisclosure',
        lastLoginAt: new Date(),
        pending: 0,
      },
      { customerId: 'fine', status: 'active', lastLoginAt: new Date(), pending: 0 },
    ]);
    await expect(service.activateDue()).resolves.toBe(1);
    expect(disclosures.lockInstitution).toHaveBeenCalledWith('fi-one', 'exclusive');
    expect(disclosures.markActivated).toHaveBeenCalledWith('terms-2', expect.any(Date));
    expect(customers.applyStatusChanges).toHaveBeenCalledWith([
      { customerId: 'new', from: 'registered', to: 'needsToAcceptDisclosure' },
      { customerId: 'held', from: 'needsToAcceptDisclosure', to: 'active' },
    ]);
    expect(audit.recordMany).toHaveBeenCalledWith(
      [
        expect.objectContaining({
          customerId: 'new',
          action: 'statusChanged',
          changes: [
            { field: 'userStatus', old: 'registered', new: 'needsToAcceptDisclosure' },
            { field: 'disclosureInForce', old: null, new: 'terms version 2' },
          ],
        }),
        expect.objectContaining({ customerId: 'held' }),
      ],
      expect.objectContaining({ actor: { type: 'system', id: 'disclosure-activation' } }),
    );
  });

  it('audits only the changes that applied (a customer locked meanwhile is left alone)', async () => {
    const { service, disclosures, customers, audit } = build();
    disclosures.claimDue.mockResolvedValue([version('terms', '2')]);
    customers.pendingDisclosureCounts.mockResolvedValue([
      { customerId: 'a', status: 'active', lastLoginAt: new Date(), pending: 1 },
    ]);
    customers.applyStatusChanges.mockResolvedValue([]);
    await service.activateDue();
    expect(audit.recordMany).toHaveBeenCalledWith([], expect.anything());
  });

  it('refuses a second publication of a version', async () => {
    const { service, disclosures } = build();
    disclosures.insertUnlessExists.mockResolvedValue(false);
    await expect(
      service.publish(
        'fi-one',
        { disclosureId: 'terms', version: '1', name: 'T', required: true, content: 'x' },
        appContext,
      ),
    ).rejects.toMatchObject({ code: 'CUS_DISCLOSURE_VERSION_EXISTS' });
  });

  it('checks registration acceptances: versions in force only, every required one', async () => {
    const { service, disclosures } = build();
    disclosures.inForceRefs.mockResolvedValue([
      version('terms', '2'),
      version('privacy', '1', false),
    ]);
    await expect(
      service.checkRegistrationAcceptances('fi-one', [{ disclosureId: 'terms', version: '1' }]),
    ).rejects.toMatchObject({
      code: 'CUS_DISCLOSURE_NOT_IN_FORCE',
      options: { errors: [{ pointer: '/acceptedDisclosures/0/version' }] },
    });
    await expect(
      service.checkRegistrationAcceptances('fi-one', [{ disclosureId: 'privacy', version: '1' }]),
    ).rejects.toMatchObject({ code: 'CUS_DISCLOSURE_REQUIRED' });
    await expect(
      service.checkRegistrationAcceptances('fi-one', [{ disclosureId: 'terms', version: '2' }]),
    ).resolves.toEqual({
      accepted: [expect.objectContaining({ id: 'terms-2' })],
      // The ids of every version in force, sorted: what the insert compares under the lock.
      inForceKey: 'privacy-1,terms-2',
    });
  });

  it("reuses an FI's versions in force briefly, but never refuses from that copy", async () => {
    const { service, disclosures } = build();
    const terms = [{ disclosureId: 'terms', version: '1' }];
    disclosures.inForceRefs.mockResolvedValue([version('terms', '1')]);
    await service.checkRegistrationAcceptances('fi-one', terms);
    await expect(service.checkRegistrationAcceptances('fi-one', terms)).resolves.toMatchObject({
      inForceKey: 'terms-1',
    });
    expect(disclosures.inForceRefs).toHaveBeenCalledTimes(1);

    // Version 2 took effect (on another replica): the copy would refuse, so the database decides.
    disclosures.inForceRefs.mockResolvedValue([version('terms', '2')]);
    await expect(
      service.checkRegistrationAcceptances('fi-one', [{ disclosureId: 'terms', version: '2' }]),
    ).resolves.toMatchObject({ inForceKey: 'terms-2' });
    expect(disclosures.inForceRefs).toHaveBeenCalledTimes(2);
    await expect(service.checkRegistrationAcceptances('fi-one', terms)).rejects.toMatchObject({
      code: 'CUS_DISCLOSURE_NOT_IN_FORCE',
    });
    expect(disclosures.inForceRefs).toHaveBeenCalledTimes(3);

    // Asked fresh (the insert found the versions changed): read again.
    await service.checkRegistrationAcceptances('fi-one', [], { fresh: true }).catch(() => {});
    expect(disclosures.inForceRefs).toHaveBeenCalledTimes(4);
  });

  it('forgets its copy of the versions in force when one takes effect here', async () => {
    const { service, disclosures } = build();
    disclosures.inForceRefs.mockResolvedValue([]);
    await service.checkRegistrationAcceptances('fi-one', []);
    disclosures.claimDue.mockResolvedValue([version('terms', '1')]);
    await service.activateDue();
    disclosures.inForceRefs.mockResolvedValue([version('terms', '1')]);
    await expect(service.checkRegistrationAcceptances('fi-one', [])).rejects.toMatchObject({
      code: 'CUS_DISCLOSURE_REQUIRED',
    });
    expect(disclosures.inForceRefs).toHaveBeenCalledTimes(2);
  });

  it('an acceptance that clears the last pending one settles the customer back', async () => {
    const { service, disclosures, customers, audit, outbox } = build();
    const held = customer({ status: 'needsToAcceptDisclosure', lastLoginAt: new Date() });
    customers.findInInstitution.mockResolvedValue(held);
    disclosures.inForce.mockResolvedValue([version('terms', '2')]);
    disclosures.acceptancesOf
      .mockResolvedValueOnce([]) // not accepted yet
      .mockResolvedValueOnce([{ disclosureId: 'terms', version: '2' }]); // pending after
    const outcome = await service.accept(
      'fi-one',
      held.id,
      { disclosureId: 'terms', version: '2' },
      appContext,
    );
    expect(outcome).toMatchObject({ created: true, userStatus: 'active' });
    expect(disclosures.insertAcceptances).toHaveBeenCalledWith([
      expect.objectContaining({ customerId: held.id, ipAddress: '203.0.113.7', clientId: 'app' }),
    ]);
    expect(customers.update).toHaveBeenCalledWith(
      held.id,
      expect.objectContaining({ status: 'active' }),
    );
    expect(audit.record).toHaveBeenCalledWith(
      expect.objectContaining({ action: 'disclosureAccepted' }),
      appContext,
    );
    expect(outbox.append).toHaveBeenCalledTimes(1);
  });

  it('another FI’s customer is not found', async () => {
    const { service, customers } = build();
    customers.findInInstitution.mockResolvedValue(undefined);
    await expect(
      service.accept('fi-one', 'x', { disclosureId: 'terms', version: '1' }, appContext),
    ).rejects.toMatchObject({ code: 'CUS_CUSTOMER_NOT_FOUND' });
  });
});

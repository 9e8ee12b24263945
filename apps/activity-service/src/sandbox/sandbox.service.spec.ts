import { SANDBOX_SAMPLE_USERS, sandboxCustomerId } from '@app/common';
import { EVENT_TYPES } from '../catalogue/event-catalogue';
import type { StoredEvent } from '../ingest/event.repository';
import type { SeedRecord } from './sandbox.repository';
import { SandboxService, WIPE_DROP_REASON } from './sandbox.service';

const FI = 'sbx-dev42';
const NOW = Date.parse('2026-11-30T12:00:00.000Z');

/** The service with repository mocks; `seed` is what sandbox_seeds holds for the FI. */
function build(opts: { seed?: SeedRecord | null; lockFree?: boolean } = {}) {
  const order: string[] = [];
  const written: StoredEvent[][] = [];
  const sandbox = {
    withInstitutionLock: jest.fn(async (_fi: string, _wait: number, fn: () => Promise<unknown>) => {
      if (opts.lockFree === false) return undefined;
      order.push('lock');
      return { value: await fn() };
    }),
    findSeed: jest.fn().mockResolvedValue(opts.seed ?? null),
    startSeed: jest.fn(async () => void order.push('startSeed')),
    completeSeed: jest.fn(async () => void order.push('completeSeed')),
    markSeedIncomplete: jest.fn(async () => void order.push('markSeedIncomplete')),
    deleteSeed: jest.fn(async () => void order.push('deleteSeed')),
    dropPendingDeliveries: jest.fn(async () => {
      order.push('dropPendingDeliveries');
      return { subscriptions: 1, deliveries: 2, files: 0 };
    }),
    deleteActivity: jest.fn(async () => {
      order.push('deleteActivity');
      return { feedBatches: 1, events: 5, eventGuids: 5 };
    }),
  };
  const events = {
    writeBatch: jest.fn(async (batch: StoredEvent[]) => {
      order.push(`write ${batch.length}`);
      written.push(batch);
      return { accepted: batch.length, duplicates: 0, institutions: [FI] };
    }),
  };
  const notifier = { emitLocal: jest.fn() };
  const service = new SandboxService(sandbox as never, events as never, notifier as never);
  return { service, sandbox, events, notifier, order, written };
}

const completed: SeedRecord = {
  events: 1234,
  startTime: new Date(NOW - 7 * 86_400_000),
  endTime: new Date(NOW),
  completedAt: new Date(NOW),
};

describe('SandboxService (activity)', () => {
  it('refuses an FI outside the sandbox prefix before taking any lock', async () => {
    for (const fi of ['fi-one', 'platform', 'sbx-', 'sandbox-fi']) {
      const { service, sandbox } = build();
      await expect(service.seed(fi, undefined)).rejects.toMatchObject({
        code: 'ACTIVITY_SANDBOX_INSTITUTION_REQUIRED',
        status: 403,
      });
      await expect(service.wipe(fi)).rejects.toMatchObject({ status: 403 });
      expect(sandbox.withInstitutionLock).not.toHaveBeenCalled();
    }
  });

  it('refuses a bad body with BAS_10005 pointers, before the lock', async () => {
    const { service, sandbox } = build();
    for (const body of [
      { events: 0 },
      { events: 100_001 },
      { events: 1.5 },
      { days: 31 },
      { extra: 1 },
    ]) {
      await expect(service.seed(FI, body)).rejects.toMatchObject({
        code: 'BAS_10005',
        status: 400,
      });
    }
    await expect(service.seed(FI, [])).rejects.toMatchObject({ code: 'BAS_10006' });
    expect(sandbox.withInstitutionLock).not.toHaveBeenCalled();
  });

  it('seeds a new FI through the ingest path, in batches of at most 5,000 events, the roster only, over the requested days', async () => {
    const { service, order, written, notifier } = build();
    const { created, summary } = await service.seed(FI, { events: 5003, days: 3 }, () => NOW);

    expect(created).toBe(true);
    expect(order).toEqual(['lock', 'startSeed', 'write 5000', 'write 3', 'completeSeed']);
    expect(notifier.emitLocal).toHaveBeenCalledWith([FI]);
    const all = written.flat();
    const logins = new Map(SANDBOX_SAMPLE_USERS.map((u) => [u.loginId, u]));
    const wrong = all.filter((e) => {
      const user = logins.get(e.loginId);
      const t = e.occurredAt;
      return (
        e.institutionId !== FI ||
        !user ||
        e.userType !== user.userType.toLowerCase() ||
        e.institutionCustomerId !== (user.institutionCustomerId ?? null) ||
        (e.customerId !== null && e.customerId !== sandboxCustomerId(FI, e.loginId)) ||
        !(t >= NOW - 3 * 86_400_000 && t < NOW)
      );
    });
    expect(wrong).toEqual([]);
    // Every user has activity, and every event type appears.
    expect(new Set(all.map((e) => e.loginId)).size).toBe(SANDBOX_SAMPLE_USERS.length);
    expect(new Set(all.map((e) => e.eventId))).toEqual(new Set(EVENT_TYPES.map((t) => t.eventId)));
    expect(summary).toEqual({
      institutionId: FI,
      events: 5003,
      startTime: new Date(NOW - 3 * 86_400_000).toISOString(),
      endTime: new Date(NOW).toISOString(),
      users: SANDBOX_SAMPLE_USERS.map((u) => ({
        loginId: u.loginId,
        customerId: sandboxCustomerId(FI, u.loginId),
        userType: u.userType.toLowerCase(),
        ...(u.institutionCustomerId ? { institutionCustomerId: u.institutionCustomerId } : {}),
      })),
    });
  });

  it('defaults to 5,000 events over 7 days without a body', async () => {
    const { service, written } = build();
    const { summary } = await service.seed(FI, undefined, () => NOW);
    expect(written.flat()).toHaveLength(5000);
    expect(summary.events).toBe(5000);
    expect(summary.startTime).toBe(new Date(NOW - 7 * 86_400_000).toISOString());
  });

  it('seeding a seeded FI writes nothing and answers its recorded summary', async () => {
    const { service, events, sandbox } = build({ seed: completed });
    const { created, summary } = await service.seed(FI, { events: 50 }, () => NOW + 60_000);
    expect(created).toBe(false);
    expect(events.writeBatch).not.toHaveBeenCalled();
    expect(sandbox.startSeed).not.toHaveBeenCalled();
    expect(summary).toMatchObject({
      events: 1234,
      startTime: completed.startTime.toISOString(),
      endTime: completed.endTime.toISOString(),
    });
  });

  it('a seed or wipe that stopped half-way is cleaned up before seeding again', async () => {
    const { service, order } = build({ seed: { ...completed, completedAt: null } });
    await service.seed(FI, { events: 10 }, () => NOW);
    expect(order).toEqual(['lock', 'deleteActivity', 'startSeed', 'write 10', 'completeSeed']);
  });

  it('wipes under the lock: seed marked incomplete first, backlog dropped, activity deleted, record last', async () => {
    const { service, order, sandbox } = build({ seed: completed });
    await service.wipe(FI);
    expect(order).toEqual([
      'lock',
      'markSeedIncomplete',
      'dropPendingDeliveries',
      'deleteActivity',
      'deleteSeed',
    ]);
    expect(sandbox.dropPendingDeliveries).toHaveBeenCalledWith(FI, WIPE_DROP_REASON);
  });

  it('answers 409 ACTIVITY_SANDBOX_BUSY when the FI stays locked by another seed or wipe', async () => {
    const { service, events } = build({ lockFree: false });
    await expect(service.seed(FI, undefined)).rejects.toMatchObject({
      code: 'ACTIVITY_SANDBOX_BUSY',
      status: 409,
    });
    await expect(service.wipe(FI)).rejects.toMatchObject({ code: 'ACTIVITY_SANDBOX_BUSY' });
    expect(events.writeBatch).not.toHaveBeenCalled();
  });
});

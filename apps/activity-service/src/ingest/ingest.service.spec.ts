import { Scope, type AccessPrincipal } from '@app/common';
import type { ActivityEnv } from '../config/activity.env';
import type { FeedNotifier } from '../feed/feed.notifier';
import type { EventRepository, StoredEvent } from './event.repository';
import { IngestService } from './ingest.service';

const env = {
  ACTIVITY_RETENTION_DAYS: 400,
  ACTIVITY_MAX_FUTURE_SKEW_SECONDS: 300,
} as ActivityEnv;
const principal = (scopes: string[], institutionId = 'fi-a'): AccessPrincipal => ({
  subject: 'app',
  clientId: 'app',
  institutionId,
  scopes: new Set(scopes),
  jti: 'j',
  expiresAt: new Date(Date.now() + 60_000),
});
const event = (guid: string, over: Record<string, unknown> = {}) => ({
  guid,
  eventId: 'logout',
  timeStamp: new Date(Date.now() - 60_000).toISOString(),
  userType: 'retail',
  loginId: 'jdoe',
  ...over,
});
const G1 = '0b6f3c1e-4f7a-4c1d-9a59-2f0c1b6d7e01';
const G2 = '0b6f3c1e-4f7a-4c1d-9a59-2f0c1b6d7e02';

describe('IngestService', () => {
  let writeBatch: jest.Mock;
  let emitLocal: jest.Mock;
  let service: IngestService;
  beforeEach(() => {
    writeBatch = jest.fn();
    emitLocal = jest.fn();
    service = new IngestService({ writeBatch } as unknown as EventRepository, env, {
      emitLocal,
    } as unknown as FeedNotifier);
  });

  it('stores the normalised batch and reports duplicates; streams of the FI wake', async () => {
    writeBatch.mockResolvedValue({ accepted: 1, duplicates: 1, institutions: ['fi-a'] });
    await expect(
      service.ingest(principal([Scope.BankingActivitiesWrite]), {
        events: [event(G1.toUpperCase()), event(G1)],
      }),
    ).resolves.toEqual({ accepted: 1, duplicates: 1 });
    const stored = writeBatch.mock.calls[0][0] as StoredEvent[];
    expect(stored.map((e) => [e.guid, e.institutionId])).toEqual([
      [G1, 'fi-a'],
      [G1, 'fi-a'],
    ]);
    expect(emitLocal).toHaveBeenCalledWith(['fi-a']);
  });

  it('wakes nobody when every event was a duplicate', async () => {
    writeBatch.mockResolvedValue({ accepted: 0, duplicates: 1, institutions: [] });
    await expect(
      service.ingest(principal([Scope.BankingActivitiesWrite]), { events: [event(G1)] }),
    ).resolves.toEqual({ accepted: 0, duplicates: 1 });
    expect(emitLocal).not.toHaveBeenCalled();
  });

  it('lets an internal writer name each event’s institution', async () => {
    writeBatch.mockResolvedValue({ accepted: 2, duplicates: 0, institutions: ['fi-b', 'fi-c'] });
    await service.ingest(principal([Scope.InternalEventsWrite], 'platform'), {
      events: [event(G1, { institutionId: 'fi-b' }), event(G2, { institutionId: 'fi-c' })],
    });
    const stored = writeBatch.mock.calls[0][0] as StoredEvent[];
    expect(stored.map((e) => e.institutionId)).toEqual(['fi-b', 'fi-c']);
  });

  it('stores nothing of a batch with one bad event, or one for another FI', async () => {
    await expect(
      service.ingest(principal([Scope.BankingActivitiesWrite]), {
        events: [event(G1), event('not-a-uuid')],
      }),
    ).rejects.toMatchObject({ code: 'BAS_10005' });
    await expect(
      service.ingest(principal([Scope.BankingActivitiesWrite]), {
        events: [event(G1, { institutionId: 'fi-b' })],
      }),
    ).rejects.toMatchObject({ code: 'ACTIVITY_INSTITUTION_FORBIDDEN' });
    expect(writeBatch).not.toHaveBeenCalled();
  });
});

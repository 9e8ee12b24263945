import { validateBatch, type BatchContext } from './batch.validator';

const now = Date.UTC(2026, 10, 21, 12);
const ctx: BatchContext = {
  institutionId: 'fi-a',
  internal: false,
  now,
  retentionDays: 400,
  futureSkewSeconds: 300,
};
const event = (over: Record<string, unknown> = {}) => ({
  guid: 'C56A4180-65AA-42EC-A945-5FD21DEC0538',
  eventId: 'loginFailure',
  timeStamp: '2026-11-21T11:00:00.123456+00:00',
  userType: 'RETAIL',
  loginId: 'jdoe',
  channel: null,
  attributes: { clientId: 'app', failedLoginCount: 2, reason: null },
  ...over,
});
const problems = (body: unknown, context = ctx) => {
  try {
    validateBatch(body, context);
    return [];
  } catch (err) {
    return (err as { options: { errors: { pointer: string }[] } }).options.errors.map(
      (e) => e.pointer,
    );
  }
};

describe('validateBatch', () => {
  it('normalises an event for storage', () => {
    expect(validateBatch({ events: [event()] }, ctx)).toEqual([
      {
        guid: 'c56a4180-65aa-42ec-a945-5fd21dec0538',
        eventId: 'loginFailure',
        // Microseconds cut to the milliseconds stored.
        occurredAt: Date.parse('2026-11-21T11:00:00.123Z'),
        institutionId: 'fi-a',
        userType: 'retail',
        loginId: 'jdoe',
        customerId: null,
        institutionCustomerId: null,
        accountType: null,
        channel: null,
        ipAddress: null,
        attributes: { clientId: 'app', failedLoginCount: 2 },
      },
    ]);
  });

  it('checks the time window against retention and clock skew', () => {
    expect(problems({ events: [event({ timeStamp: '2026-11-21T12:04:59Z' })] })).toEqual([]);
    expect(problems({ events: [event({ timeStamp: '2026-11-21T12:05:01Z' })] })).toEqual([
      '/events/0/timeStamp',
    ]);
    expect(problems({ events: [event({ timeStamp: '2025-10-16T11:00:00Z' })] })).toEqual([
      '/events/0/timeStamp',
    ]);
  });

  it('reports every problem of every event', () => {
    expect(
      problems({
        events: [
          event({ guid: 1, loginId: '' }),
          'x',
          event({ attributes: { clientId: 1, failedLoginCount: 1, extra: true } }),
        ],
      }),
    ).toEqual([
      '/events/0/guid',
      '/events/0/loginId',
      '/events/1',
      '/events/2/attributes/clientId',
      '/events/2/attributes/extra',
    ]);
  });

  it('takes the institution from each event for internal writers only', () => {
    const internal = { ...ctx, institutionId: 'platform', internal: true };
    expect(
      validateBatch({ events: [event({ institutionId: 'fi-z' })] }, internal)[0]!.institutionId,
    ).toBe('fi-z');
    expect(problems({ events: [event()] }, internal)).toEqual(['/events/0/institutionId']);
    expect(() => validateBatch({ events: [event({ institutionId: 'fi-z' })] }, ctx)).toThrow(
      expect.objectContaining({ code: 'ACTIVITY_INSTITUTION_FORBIDDEN' }) as Error,
    );
  });

  it('answers a body that is not an object with BAS_10006', () => {
    expect(() => validateBatch([event()], ctx)).toThrow(
      expect.objectContaining({ code: 'BAS_10006' }) as Error,
    );
  });
});

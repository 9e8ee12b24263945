import {
  isSettled,
  isTimeZone,
  localDateFolder,
  localStamp,
  settledWindowsAfter,
  windowAfter,
  windowContaining,
} from './windows';

const at = (iso: string) => new Date(iso);
const iso = (w: { start: Date; end: Date }) => [w.start.toISOString(), w.end.toISOString()];
const hours = (w: { start: Date; end: Date }) => (w.end.getTime() - w.start.getTime()) / 3_600_000;

describe('delivery windows', () => {
  it('hourly windows in UTC end on the hour', () => {
    expect(iso(windowContaining('hourly', 'UTC', at('2026-11-30T10:59:59.999Z')))).toEqual([
      '2026-11-30T10:00:00.000Z',
      '2026-11-30T11:00:00.000Z',
    ]);
    // The end is exclusive: the instant on the hour opens the next window.
    expect(iso(windowContaining('hourly', 'UTC', at('2026-11-30T11:00:00.000Z')))).toEqual([
      '2026-11-30T11:00:00.000Z',
      '2026-11-30T12:00:00.000Z',
    ]);
  });

  it('daily windows in UTC run midnight to midnight, across a month and a year end', () => {
    expect(iso(windowContaining('daily', 'UTC', at('2026-12-31T23:59:59.999Z')))).toEqual([
      '2026-12-31T00:00:00.000Z',
      '2027-01-01T00:00:00.000Z',
    ]);
  });

  it('daily windows in Europe/London: 23 hours in March, 25 in October', () => {
    const spring = windowContaining('daily', 'Europe/London', at('2026-03-29T12:00:00Z'));
    expect(iso(spring)).toEqual(['2026-03-29T00:00:00.000Z', '2026-03-29T23:00:00.000Z']);
    expect(hours(spring)).toBe(23);
    const autumn = windowContaining('daily', 'Europe/London', at('2026-10-25T12:00:00Z'));
    expect(iso(autumn)).toEqual(['2026-10-24T23:00:00.000Z', '2026-10-26T00:00:00.000Z']);
    expect(hours(autumn)).toBe(25);
    expect(iso(windowAfter('daily', 'Europe/London', autumn))).toEqual([
      '2026-10-26T00:00:00.000Z',
      '2026-10-27T00:00:00.000Z',
    ]);
  });

  it('daily windows in America/New_York: 23 hours on 8 March, 25 on 1 November 2026', () => {
    const spring = windowContaining('daily', 'America/New_York', at('2026-03-08T15:00:00Z'));
    expect(iso(spring)).toEqual(['2026-03-08T05:00:00.000Z', '2026-03-09T04:00:00.000Z']);
    expect(hours(spring)).toBe(23);
    const autumn = windowContaining('daily', 'America/New_York', at('2026-11-01T15:00:00Z'));
    expect(iso(autumn)).toEqual(['2026-11-01T04:00:00.000Z', '2026-11-02T05:00:00.000Z']);
    expect(hours(autumn)).toBe(25);
    // An instant late on 1 November in New York is already 2 November in UTC.
    expect(windowContaining('daily', 'America/New_York', at('2026-11-02T03:00:00Z'))).toEqual(
      autumn,
    );
  });

  it('hourly windows across New York DST changes: the skipped hour is absent, the repeated one is two windows', () => {
    // 8 March: 01:59:59 EST is followed by 03:00 EDT.
    const before = windowContaining('hourly', 'America/New_York', at('2026-03-08T06:30:00Z'));
    expect(iso(before)).toEqual(['2026-03-08T06:00:00.000Z', '2026-03-08T07:00:00.000Z']);
    expect(
      localStamp(windowAfter('hourly', 'America/New_York', before).start, 'America/New_York'),
    ).toBe('20260308T0300-0400');
    // 1 November: 01:00-02:00 happens twice, once in EDT, once in EST.
    const first = windowContaining('hourly', 'America/New_York', at('2026-11-01T05:30:00Z'));
    const second = windowAfter('hourly', 'America/New_York', first);
    expect(iso(first)).toEqual(['2026-11-01T05:00:00.000Z', '2026-11-01T06:00:00.000Z']);
    expect(iso(second)).toEqual(['2026-11-01T06:00:00.000Z', '2026-11-01T07:00:00.000Z']);
    expect(localStamp(first.start, 'America/New_York')).toBe('20261101T0100-0400');
    expect(localStamp(second.start, 'America/New_York')).toBe('20261101T0100-0500');
  });

  it('a zone on a 30-minute offset: hours end at :30 UTC, days at 18:30 UTC', () => {
    expect(iso(windowContaining('hourly', 'Asia/Kolkata', at('2026-11-30T10:10:00Z')))).toEqual([
      '2026-11-30T09:30:00.000Z',
      '2026-11-30T10:30:00.000Z',
    ]);
    expect(iso(windowContaining('daily', 'Asia/Kolkata', at('2026-11-30T20:00:00Z')))).toEqual([
      '2026-11-30T18:30:00.000Z',
      '2026-12-01T18:30:00.000Z',
    ]);
    expect(localDateFolder(at('2026-11-30T18:30:00Z'), 'Asia/Kolkata')).toBe('2026/12/01');
  });

  it('a zone whose DST shift is 30 minutes (Lord Howe): local hours of 90 minutes at the change', () => {
    // 5 April 2026, 02:00 +11 becomes 01:30 +10:30 (15:00Z).
    const w = windowContaining('hourly', 'Australia/Lord_Howe', at('2026-04-04T15:10:00Z'));
    expect(iso(w)).toEqual(['2026-04-04T14:00:00.000Z', '2026-04-04T15:30:00.000Z']);
    expect(
      hours(windowContaining('daily', 'Australia/Lord_Howe', at('2026-04-04T15:10:00Z'))),
    ).toBe(24.5);
  });

  it('a zone that skips midnight starts the day when the clocks jump (America/Santiago)', () => {
    // 6 September 2026: 00:00 -04 becomes 01:00 -03 (04:00Z).
    const w = windowContaining('daily', 'America/Santiago', at('2026-09-06T12:00:00Z'));
    expect(iso(w)).toEqual(['2026-09-06T04:00:00.000Z', '2026-09-07T03:00:00.000Z']);
  });

  it('consecutive windows tile time without gaps or overlaps', () => {
    for (const zone of ['UTC', 'Europe/London', 'America/New_York', 'Asia/Kolkata']) {
      for (const cadence of ['hourly', 'daily'] as const) {
        let w = windowContaining(cadence, zone, at('2026-03-01T00:00:00Z'));
        for (let i = 0; i < (cadence === 'hourly' ? 24 * 40 : 300); i++) {
          const next = windowAfter(cadence, zone, w);
          expect(next.start.getTime()).toBe(w.end.getTime());
          expect(next.end.getTime()).toBeGreaterThan(next.start.getTime());
          w = next;
        }
      }
    }
  });

  it('a window is deliverable only once it has ended and settled', () => {
    const w = windowContaining('hourly', 'UTC', at('2026-11-30T10:30:00Z'));
    expect(isSettled(w, at('2026-11-30T11:00:00Z'), 60_000)).toBe(false);
    expect(isSettled(w, at('2026-11-30T11:00:59.999Z'), 60_000)).toBe(false);
    expect(isSettled(w, at('2026-11-30T11:01:00Z'), 60_000)).toBe(true);
    const due = settledWindowsAfter(
      'hourly',
      'UTC',
      w,
      w.start,
      at('2026-11-30T14:00:30Z'),
      60_000,
    );
    expect(due.map((x) => x.start.toISOString())).toEqual([
      '2026-11-30T11:00:00.000Z',
      '2026-11-30T12:00:00.000Z',
    ]);
  });

  it('knows IANA zones', () => {
    expect(isTimeZone('Europe/London')).toBe(true);
    expect(isTimeZone('Mars/Olympus')).toBe(false);
    expect(isTimeZone(42)).toBe(false);
  });
});

import { partitionName, partitionStart } from './partition.repository';

describe('partition bounds', () => {
  it('starts every partition on a Monday at 00:00 UTC', () => {
    for (const iso of [
      '2026-11-16T00:00:00Z',
      '2026-11-18T13:45:00Z',
      '2026-11-22T23:59:59.999Z',
    ]) {
      expect(partitionStart(new Date(iso)).toISOString()).toBe('2026-11-16T00:00:00.000Z');
    }
    expect(partitionStart(new Date('2026-11-23T00:00:00Z')).toISOString()).toBe(
      '2026-11-23T00:00:00.000Z',
    );
    expect(partitionStart(new Date('1969-12-31T00:00:00Z')).getUTCDay()).toBe(1);
  });

  it('names a partition after its first day', () => {
    expect(partitionName(new Date('2026-11-16T00:00:00Z'))).toBe('events_p20261116');
  });
});

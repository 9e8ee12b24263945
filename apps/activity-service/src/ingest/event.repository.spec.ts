import { arrayElement, batchColumns, type StoredEvent } from './event.repository';

const event = (over: Partial<StoredEvent> = {}): StoredEvent => ({
  guid: '0b6f3c1e-4f7a-4c1d-9a59-2f0c1b6d7e01',
  eventId: 'loginSuccess',
  occurredAt: Date.parse('2026-11-20T10:00:00.000Z'),
  institutionId: 'fi-a',
  userType: 'retail',
  loginId: 'jdoe',
  customerId: null,
  institutionCustomerId: null,
  accountType: null,
  channel: 'mobile',
  ipAddress: '203.0.113.7',
  attributes: { clientId: 'app' },
  ...over,
});

describe('arrayElement', () => {
  it('leaves plain values bare', () => {
    expect(arrayElement('jdoe-2026_x.y@bank')).toBe('jdoe-2026_x.y@bank');
    expect(arrayElement(null)).toBe('NULL');
  });

  it('quotes what PostgreSQL would otherwise misread', () => {
    expect(arrayElement('')).toBe('""');
    expect(arrayElement('NULL')).toBe('"NULL"');
    expect(arrayElement('null')).toBe('"null"');
    expect(arrayElement('a b')).toBe('"a b"');
    expect(arrayElement('a,b')).toBe('"a,b"');
    expect(arrayElement('{x}')).toBe('"{x}"');
    expect(arrayElement('say "hi"')).toBe('"say \\"hi\\""');
    expect(arrayElement('back\\slash')).toBe('"back\\\\slash"');
    expect(arrayElement('tab\there')).toBe('"tab\there"');
  });
});

describe('batchColumns', () => {
  it('keeps the first event of each guid, in order, one literal per column', () => {
    const second = event({
      guid: '0B6F3C1E-4F7A-4C1D-9A59-2F0C1B6D7E02',
      occurredAt: Date.parse('2026-11-20T09:00:00.000Z'),
      loginId: 'NULL',
      customerId: 'c 1',
      attributes: { note: 'a "quoted" \\ value' },
    });
    const b = batchColumns([event(), second, event({ loginId: 'ignored' })]);
    expect(b.count).toBe(2);
    expect(b.min).toBe(Date.parse('2026-11-20T09:00:00.000Z'));
    expect(b.max).toBe(Date.parse('2026-11-20T10:00:00.000Z'));
    expect(b.columns[0]).toBe(
      '{0b6f3c1e-4f7a-4c1d-9a59-2f0c1b6d7e01,0b6f3c1e-4f7a-4c1d-9a59-2f0c1b6d7e02}',
    );
    expect(b.columns[5]).toBe('{jdoe,"NULL"}');
    expect(b.columns[6]).toBe('{NULL,"c 1"}');
    // Times as epoch milliseconds; the attributes as one JSON array, in the rows' order.
    expect(b.columns[2]).toBe(
      `{${Date.parse('2026-11-20T10:00:00.000Z')},${Date.parse('2026-11-20T09:00:00.000Z')}}`,
    );
    expect(JSON.parse(b.columns[11]!)).toEqual([
      { clientId: 'app' },
      { note: 'a "quoted" \\ value' },
    ]);
  });

  it('keeps a guid once per institution: the same guid of another FI is another row', () => {
    const b = batchColumns([
      event(),
      event({ institutionId: 'fi-b' }),
      event({ guid: '0B6F3C1E-4F7A-4C1D-9A59-2F0C1B6D7E01' }),
    ]);
    expect(b.count).toBe(2);
    expect(b.columns[0]).toBe(
      '{0b6f3c1e-4f7a-4c1d-9a59-2f0c1b6d7e01,0b6f3c1e-4f7a-4c1d-9a59-2f0c1b6d7e01}',
    );
    expect(b.columns[3]).toBe(`{${event().institutionId},fi-b}`);
  });
});

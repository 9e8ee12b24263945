import fc from 'fast-check';
import { FIXED_FIELDS } from '../catalogue/event-catalogue';
import { SqlParams } from '../common/sql-params';
import { TIMESTAMP_SQL } from '../search/search.sql';
import {
  CHUNK_CHARS,
  eventColumnsSql,
  jsonString,
  lineChunks,
  lineFields,
  lineWriter,
  type EventRow,
} from './event-lines';

/** Any text PostgreSQL can hold: every code point but NUL, controls and non-BMP included. */
const pgText = fc.string({ unit: 'binary', maxLength: 40 }).map((s) => s.replace(/\0/g, ''));
/** Text weighted towards what needs escaping. */
const nasty = fc.oneof(
  pgText,
  fc
    .array(
      fc.constantFrom(
        '"',
        '\\',
        '\n',
        '\r',
        '\t',
        '\b',
        '\f',
        '\u0001',
        '\u001f',
        '\u007f',
        '\u2028',
        'é',
        '😀',
        '/',
        'a',
      ),
      { maxLength: 20 },
    )
    .map((cs) => cs.join('')),
);

const timestamp = fc
  .date({
    min: new Date('2000-01-01T00:00:00Z'),
    max: new Date('2099-12-31T23:59:59Z'),
    noInvalidDate: true,
  })
  .map((d) => d.toISOString());

/** Attribute names: any text but a fixed field's, `__proto__` or an array index (JSON.parse
 * puts those first, which would only reorder this test's expectation). Nor two-character names
 * whose second character JSON writes escaped: V8's JSON.parse (Node 24.20, 24.21 and 26.10)
 * misreads such a key once it has parsed another one (the key a+TAB, written a\t, comes back as
 * a+backslash after the key a\\ was parsed), so JSON.parse cannot be the oracle for those. The
 * writer splices the attributes' text as PostgreSQL wrote it and never reads their names. */
const attributeKey = nasty.filter(
  (k) =>
    !FIXED_FIELDS.some((f) => f.attributeId === k) &&
    k !== '__proto__' &&
    !/^(0|[1-9]\d*)$/.test(k) &&
    // eslint-disable-next-line no-control-regex -- what JSON escapes: the C0 controls, " and \
    !(k.length === 2 && /["\\\u0000-\u001f]/.test(k[1]!)),
);

/** A row of the default columns (every fixed field, then the attributes' jsonb text or null). */
const defaultRow = fc
  .tuple(
    fc.uuid(),
    nasty,
    timestamp,
    fc.option(nasty, { nil: null }),
    nasty,
    ...Array.from({ length: FIXED_FIELDS.length - 5 }, () => fc.option(nasty, { nil: null })),
    fc.option(fc.dictionary(attributeKey, fc.jsonValue(), { minKeys: 1, maxKeys: 5 }), {
      nil: null,
    }),
  )
  .map((cells) => {
    const attrs = cells[cells.length - 1] as Record<string, unknown> | null;
    const row = cells.slice(0, -1) as EventRow;
    row.push(attrs === null ? null : JSON.stringify(attrs));
    return { row, attrs };
  });

describe('event lines (the export and delivery files serializer)', () => {
  it('escapes strings exactly as JSON.stringify (and PostgreSQL to_json) do', () => {
    fc.assert(
      fc.property(nasty, (s) => {
        expect(jsonString(s)).toBe(JSON.stringify(s));
        expect(JSON.parse(jsonString(s))).toBe(s);
      }),
      { numRuns: 2000 },
    );
    expect(jsonString('a"b\\c\n\u0001\u001f')).toBe('"a\\"b\\\\c\\n\\u0001\\u001f"');
    expect(jsonString('é😀\u2028\u007f')).toBe('"é😀\u2028\u007f"');
  });

  it('writes each default row as one JSON object: the fixed fields in order, then the attributes', () => {
    const write = lineWriter(null, 'ndjson');
    const ids = FIXED_FIELDS.map((f) => f.attributeId);
    fc.assert(
      fc.property(defaultRow, ({ row, attrs }) => {
        const line = write(row);
        expect(line).not.toContain('\n');
        const parsed = JSON.parse(line) as Record<string, unknown>;
        expect(Object.keys(parsed)).toEqual([...ids, ...Object.keys(attrs ?? {})]);
        ids.forEach((id, i) => expect(parsed[id]).toBe(row[i]));
        for (const [k, v] of Object.entries(attrs ?? {})) {
          expect(parsed[k]).toEqual(JSON.parse(JSON.stringify(v)));
        }
      }),
      { numRuns: 1000 },
    );
  });

  it('splices the attributes as PostgreSQL wrote them (jsonb text, spaces kept)', () => {
    const row: EventRow = ['g', 'logout', 't', null, 'u', null, null, null, null, null];
    expect(lineWriter(null, 'ndjson')([...row, '{"a": 1, "b": [1, 2]}'])).toBe(
      '{"guid":"g","eventId":"logout","timeStamp":"t","userType":null,"loginId":"u",' +
        '"customerId":null,"institutionCustomerId":null,"accountType":null,"channel":null,' +
        '"ipAddress":null,"a": 1, "b": [1, 2]}',
    );
    expect(lineWriter(null, 'ndjson')([...row, null])).toMatch(/"ipAddress":null\}$/);
  });

  it('writes requested attributes by name: identity fields first, JSON values as they are', () => {
    const write = lineWriter(['loginId', 'amount', 'reason', 'guid'], 'ndjson');
    expect(lineFields(['loginId', 'amount', 'reason', 'guid'])).toEqual([
      'guid',
      'eventId',
      'timeStamp',
      'loginId',
      'amount',
      'reason',
    ]);
    expect(write(['g', 'e', 't', 'say "hi"', '12.5', null])).toBe(
      '{"guid":"g","eventId":"e","timeStamp":"t","loginId":"say \\"hi\\"","amount":12.5,"reason":null}',
    );
  });

  it('selects a column per field, requested attribute names as bind parameters', () => {
    const params = new SqlParams();
    const sql = eventColumnsSql(['loginId', 'amount'], 'ndjson', params);
    expect(sql).toBe(
      `e.guid::text, e.event_id::text, ${TIMESTAMP_SQL}, e.login_id::text, (e.attributes->$1::text)::text`,
    );
    expect(sql).toContain('(e.attributes->$1::text)::text');
    expect(params.values).toEqual(['amount']);
    const csv = new SqlParams();
    expect(eventColumnsSql(['amount'], 'csv', csv)).toContain(
      "jsonb_typeof(e.attributes->$1::text) = 'string'",
    );
    const all = eventColumnsSql(null, 'ndjson', new SqlParams());
    expect(
      all.startsWith(`e.guid::text, e.event_id::text, ${TIMESTAMP_SQL}, e.user_type::text`),
    ).toBe(true);
    expect(
      all.endsWith("CASE WHEN e.attributes = '{}'::jsonb THEN NULL ELSE e.attributes::text END"),
    ).toBe(true);
  });

  it('hands on whole lines in chunks of about 64 KiB and counts the rows', async () => {
    async function* rows() {
      for (let i = 0; i < 3000; i++) yield ['g', 'e', 't', 'x'.repeat(i % 50), null] as EventRow;
    }
    const counter = { count: 0 };
    const chunks: string[] = [];
    for await (const c of lineChunks(rows(), 'csv', ['loginId', 'reason'], counter)) chunks.push(c);
    expect(counter.count).toBe(3000);
    expect(chunks.length).toBeGreaterThan(1);
    for (const c of chunks.slice(0, -1)) {
      expect(c.length).toBeGreaterThanOrEqual(CHUNK_CHARS);
      expect(c.length).toBeLessThan(CHUNK_CHARS + 200);
      expect(c.endsWith('\n')).toBe(true);
    }
    const lines = chunks.join('').split('\n');
    expect(lines[0]).toBe('guid,eventId,timeStamp,loginId,reason');
    expect(lines).toHaveLength(3002);
  });
});

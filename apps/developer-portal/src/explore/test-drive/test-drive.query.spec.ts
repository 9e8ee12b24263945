import {
  buildQuery,
  describeShape,
  fieldOf,
  filterValue,
  formQuery,
  mapApiErrors,
  parseFormInstant,
  readForm,
  type QueryInput,
} from './test-drive.query';

const NOW = Date.parse('2026-11-30T13:27:26.500Z');
const TYPES = new Map([
  ['amount', 'number'],
  ['failedLoginCount', 'integer'],
  ['channel', 'string'],
  ['eventId', 'string'],
  ['changedFields', 'string[]'],
  ['paperless', 'boolean'],
  ['timeStamp', 'date-time'],
]);
const build = (q: QueryInput) => buildQuery(readForm(q, NOW), TYPES);
const window = { from: '2026-11-29T00:00', to: '2026-11-30T00:00' };
const times = { startTime: '2026-11-29T00:00:00Z', endTime: '2026-11-30T00:00:00Z' };

describe('test drive query model', () => {
  it('with nothing asked, searches the whole FI over the last 24 h (to the next minute)', () => {
    const q = build({});
    expect(q.errors).toEqual({});
    expect(q.body).toEqual({
      startTime: '2026-11-29T13:28:00Z',
      endTime: '2026-11-30T13:28:00Z',
      pageSize: 25,
    });
    expect(q.shape).toBe('the whole FI, every event type');
  });

  it.each([
    [{ who: 'fi' }, {}, 'the whole FI, every event type'],
    [
      { who: 'fi', event: 'loginSuccess' },
      { eventIds: ['loginSuccess'] },
      'the whole FI, one event type',
    ],
    [
      { who: 'fi', event: ['loginSuccess', 'loginFailure', 'loginSuccess'] },
      { eventIds: ['loginSuccess', 'loginFailure'] },
      'the whole FI, several event types',
    ],
    [
      { who: 'users', users: 'jdoe2026' },
      { userIdType: 'loginId', userId: 'jdoe2026' },
      'one user, every event type',
    ],
    [
      { who: 'users', idType: 'customerId', users: 'c-1, c-2\nc-3', event: 'transferCreated' },
      { userIdType: 'customerId', userIds: ['c-1', 'c-2', 'c-3'], eventIds: ['transferCreated'] },
      'several users, one event type',
    ],
    [
      { who: 'users', users: 'a b', event: ['loginSuccess', 'transferCreated'] },
      { userIdType: 'loginId', userIds: ['a', 'b'], eventIds: ['loginSuccess', 'transferCreated'] },
      'several users, several event types',
    ],
  ])('the six shapes: %j', (q, expected, shape) => {
    const built = build({ ...window, ...q });
    expect(built.body).toEqual({ ...times, pageSize: 25, ...expected });
    expect(built.shape).toBe(shape);
  });

  it('ignores the users box when the whole FI is chosen', () => {
    expect(build({ ...window, who: 'fi', users: 'jdoe' }).body).toEqual({ ...times, pageSize: 25 });
  });

  it('asks for a user when one user is chosen but none named', () => {
    const q = build({ ...window, who: 'users', users: ' , ' });
    expect(q.body).toBeNull();
    expect(q.errors).toEqual({ users: ['name at least one user, or choose the whole FI'] });
  });

  it('business users of companies, sort, page size, attributes and the page token', () => {
    const q = build({
      ...window,
      userType: 'Business',
      companies: 'acme-corp, globex',
      sort: 'desc',
      size: '100',
      attrs: 'loginId amount',
      page: 'tok.en',
    });
    expect(q.body).toEqual({
      ...times,
      pageSize: 100,
      sortOrder: 'DESC',
      userType: 'business',
      companyIds: ['acme-corp', 'globex'],
      requestedAttributes: ['loginId', 'amount'],
      nextPageToken: 'tok.en',
    });
    expect(q.shape).toBe('the whole FI, every event type; business users, 2 companies');
  });

  it('sends a page size that is not a number as typed, for the API to refuse', () => {
    expect(build({ ...window, size: 'ten' }).body?.pageSize).toBe('ten');
  });

  it('refuses times it cannot read, beside their fields', () => {
    const q = build({ from: 'yesterday', to: '2026-11-30T00:00' });
    expect(q.body).toBeNull();
    expect(q.errors).toEqual({ from: ['must be a date and time (UTC)'] });
  });

  it('reads datetime-local values as UTC and keeps ISO instants with a zone', () => {
    expect(parseFormInstant('2026-11-29T08:15')).toBe('2026-11-29T08:15:00Z');
    expect(parseFormInstant('2026-11-29T08:15:30')).toBe('2026-11-29T08:15:30Z');
    expect(parseFormInstant('2026-11-29T08:15:30.250')).toBe('2026-11-29T08:15:30.250Z');
    expect(parseFormInstant('2026-11-29T08:15:00+02:00')).toBe('2026-11-29T06:15:00Z');
    expect(parseFormInstant('2026-11-29')).toBeNull();
    expect(parseFormInstant('2026-13-40T99:99')).toBeNull();
  });

  describe('and/or/not filters', () => {
    it('builds a two-level tree from the rows, typed by the catalogue, empty rows left out', () => {
      const q = build({
        ...window,
        fc: 'or',
        f0attr: 'amount',
        f0crit: 'greaterThan',
        f0val: '500',
        f2attr: 'channel',
        f2crit: 'in',
        f2val: 'online, mobile',
        sc: 'and',
        sn: 'on',
        s1attr: 'eventId',
        s1crit: 'equals',
        s1val: 'loginFailure',
      });
      expect(q.body?.additionalFilters).toEqual({
        condition: 'or',
        filters: [
          { attributeId: 'amount', criteria: 'greaterThan', value: 500 },
          { attributeId: 'channel', criteria: 'in', value: ['online', 'mobile'] },
        ],
        subFilters: [
          {
            condition: 'and',
            negate: true,
            filters: [{ attributeId: 'eventId', criteria: 'equals', value: 'loginFailure' }],
          },
        ],
      });
      expect(q.shape).toBe('the whole FI, every event type; additional filters');
      // The API's pointers land on the rows that made them (row 2 is filters/1).
      expect(fieldOf('/additionalFilters/filters/1/value', q.pointers)).toBe('f2val');
      expect(fieldOf('/additionalFilters/filters/0/criteria', q.pointers)).toBe('f0crit');
      expect(fieldOf('/additionalFilters/subFilters/0/filters/0/attributeId', q.pointers)).toBe(
        's1attr',
      );
      expect(fieldOf('/additionalFilters/subFilters/0', q.pointers)).toBe('sc');
      expect(fieldOf('/additionalFilters', q.pointers)).toBe('fc');
      expect(fieldOf('/startTime', q.pointers)).toBe('from');
      expect(fieldOf('/userIds/3', q.pointers)).toBe('users');
      expect(fieldOf('/nope', q.pointers)).toBe('');
    });

    it('a sub-group alone still has its parent; it defaults to the other condition', () => {
      const form = readForm({ ...window, s0attr: 'channel', s0crit: 'exists' }, NOW);
      expect(form.sub.condition).toBe('or');
      expect(buildQuery(form, TYPES).body?.additionalFilters).toEqual({
        condition: 'and',
        subFilters: [
          { condition: 'or', filters: [{ attributeId: 'channel', criteria: 'exists' }] },
        ],
      });
    });

    it('sends no filter when no row is filled', () => {
      expect(build({ ...window, fc: 'or', fn: 'on' }).body).not.toHaveProperty('additionalFilters');
    });

    it('types values: numbers, booleans, exists, lists, string[] equality; unknown stay text', () => {
      const v = (attributeId: string, criteria: string, value: string) =>
        filterValue({ attributeId, criteria, value }, TYPES);
      expect(v('failedLoginCount', 'greaterThan', '3')).toBe(3);
      expect(v('amount', 'in', '1.5, 2e3')).toEqual([1.5, 2000]);
      expect(v('amount', 'equals', 'lots')).toBe('lots');
      expect(v('paperless', 'equals', 'true')).toBe(true);
      expect(v('channel', 'exists', '')).toBeUndefined();
      expect(v('channel', 'exists', 'false')).toBe(false);
      expect(v('changedFields', 'equals', 'emailAddress, phoneNumber')).toEqual([
        'emailAddress',
        'phoneNumber',
      ]);
      expect(v('changedFields', 'contains', 'emailAddress')).toBe('emailAddress');
      expect(v('mystery', 'equals', '42')).toBe('42');
      expect(v('timeStamp', 'greaterThan', '2026-11-29T00:00:00Z')).toBe('2026-11-29T00:00:00Z');
    });

    it('sends a pasted JSON tree as is, instead of the rows', () => {
      const tree = {
        condition: 'and',
        negate: true,
        filters: [{ attributeId: 'x', criteria: 'exists' }],
      };
      const q = build({
        ...window,
        filters: JSON.stringify(tree),
        f0attr: 'amount',
        f0crit: 'exists',
      });
      expect(q.body?.additionalFilters).toEqual(tree);
      expect(fieldOf('/additionalFilters/filters/0/attributeId', q.pointers)).toBe('filters');
    });

    it('refuses a pasted tree that is not JSON', () => {
      const q = build({ ...window, filters: '{condition: and' });
      expect(q.body).toBeNull();
      expect(q.errors).toEqual({ filters: ['is not valid JSON'] });
    });
  });

  it("puts the API's field errors beside their fields, the rest at the top", () => {
    const q = build({
      ...window,
      who: 'users',
      users: 'a',
      f1attr: 'amount',
      f1crit: 'lessThan',
      f1val: 'x',
    });
    expect(
      mapApiErrors(
        {
          detail: '3 invalid arguments.',
          errors: [
            { pointer: '/additionalFilters/filters/0/value', detail: 'must be a number' },
            { pointer: '/userId', detail: 'must be a string of 1 to 128 characters' },
            { pointer: '/bogus', detail: 'is not a known field' },
          ],
        },
        q.pointers,
      ),
    ).toEqual({
      f1val: ['must be a number'],
      users: ['must be a string of 1 to 128 characters'],
      '': ['/bogus is not a known field'],
    });
    expect(mapApiErrors({ detail: 'startTime must be before endTime.' }, q.pointers)).toEqual({
      '': ['startTime must be before endTime.'],
    });
  });

  it('links back to the same query, with another page token', () => {
    const q = build({
      ...window,
      who: 'users',
      users: 'a b',
      event: ['loginSuccess', 'loginFailure'],
      s0attr: 'channel',
      s0crit: 'equals',
      s0val: 'mobile',
      page: 'old',
    });
    const link = formQuery(q.form, { page: 'next' });
    const again = build(Object.fromEntries(groupParams(new URLSearchParams(link))));
    expect(again.body).toEqual({ ...q.body, nextPageToken: 'next' });
    // No empty parameters in links.
    expect(link).not.toMatch(/=(&|$)/);
    expect(new URLSearchParams(formQuery(q.form, { page: '' })).has('page')).toBe(false);
  });

  it('describes shapes from a body', () => {
    expect(describeShape({ userIds: ['a'], eventIds: [] })).toBe('one user, every event type');
    expect(describeShape({ companyIds: ['x'], userType: 'business' })).toBe(
      'the whole FI, every event type; business users, one company',
    );
  });
});

/** Query string → the record Fastify's parser gives (repeated keys as arrays). */
function groupParams(p: URLSearchParams): [string, string | string[]][] {
  const out = new Map<string, string[]>();
  for (const [k, v] of p) out.set(k, [...(out.get(k) ?? []), v]);
  return [...out].map(([k, v]) => [k, v.length === 1 ? v[0]! : v]);
}

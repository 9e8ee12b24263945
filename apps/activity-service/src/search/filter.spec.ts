import { DomainError } from '@app/common';
import { SqlParams } from '../common/sql-params';
import { FILTER_LIMITS, parseFilters, type FilterGroup } from './filter';
import { compileFilter } from './filter.sql';

const leaf = (attributeId: string, criteria: string, value?: unknown) => ({
  attributeId,
  criteria,
  value,
});

describe('parseFilters', () => {
  it('normalises a valid tree', () => {
    const { filter, errors } = parseFilters({
      condition: 'AND',
      filters: [
        leaf('amount', 'GREATERTHAN', 10),
        leaf('timeStamp', 'lessThan', '2026-11-21T10:00:00+01:00'),
      ],
      subFilter: { condition: 'or', negate: true, filters: [leaf('channel', 'exists')] },
    });
    expect(errors).toEqual([]);
    expect(filter).toEqual<FilterGroup>({
      condition: 'and',
      negate: false,
      filters: [
        { attributeId: 'amount', criteria: 'greaterThan', value: 10 },
        { attributeId: 'timeStamp', criteria: 'lessThan', value: '2026-11-21T09:00:00.000Z' },
      ],
      subFilters: [
        {
          condition: 'or',
          negate: true,
          filters: [{ attributeId: 'channel', criteria: 'exists', value: true }],
          subFilters: [],
        },
      ],
    });
  });

  it('keeps a value that merely looks like a marker or SQL', () => {
    const { filter } = parseFilters({
      condition: 'and',
      filters: [leaf('loginId', 'equals', "!x' OR 1=1 --")],
    });
    expect(filter?.filters[0]?.value).toBe("!x' OR 1=1 --");
  });

  it.each([
    [
      'unknown attribute',
      { condition: 'and', filters: [leaf('nope', 'equals', 1)] },
      '/additionalFilters/filters/0/attributeId',
    ],
    [
      'criteria not for the type',
      { condition: 'and', filters: [leaf('enrolled', 'contains', 'x')] },
      '/additionalFilters/filters/0/criteria',
    ],
    [
      'wrong value type',
      { condition: 'and', filters: [leaf('amount', 'equals', '1')] },
      '/additionalFilters/filters/0/value',
    ],
    [
      'array equals needs an array',
      { condition: 'and', filters: [leaf('changedFields', 'equals', 'a')] },
      '/additionalFilters/filters/0/value',
    ],
    ['empty group', { condition: 'or', filters: [] }, '/additionalFilters'],
    [
      'unknown key escaped',
      { condition: 'or', 'a/b': 1, filters: [leaf('amount', 'exists')] },
      '/additionalFilters/a~1b',
    ],
  ])('reports %s', (_name, raw, pointer) => {
    const { filter, errors } = parseFilters(raw);
    expect(filter).toBeNull();
    expect(errors.map((e) => e.pointer)).toContain(pointer);
  });

  it('stops reading at the bounds, with one error', () => {
    const wide = parseFilters({
      condition: 'and',
      filters: Array.from({ length: 10_000 }, () => leaf('amount', 'exists')),
    });
    expect(wide.errors).toHaveLength(1);
    expect(wide.errors[0]!.detail).toMatch(`more than ${FILTER_LIMITS.maxNodes}`);
    let deep: Record<string, unknown> = { condition: 'and', filters: [leaf('amount', 'exists')] };
    for (let i = 0; i < 1000; i++) deep = { condition: i % 2 ? 'and' : 'or', subFilters: [deep] };
    const result = parseFilters(deep);
    expect(result.errors).toHaveLength(1);
    expect(result.errors[0]!.detail).toMatch(`deeper than ${FILTER_LIMITS.maxDepth}`);
  });

  it('throws BAS_10008 when a sub-filter repeats its parent condition', () => {
    const raw = {
      condition: 'or',
      filters: [leaf('amount', 'exists')],
      subFilters: [{ condition: 'OR', filters: [leaf('amount', 'exists')] }],
    };
    expect(() => parseFilters(raw)).toThrow(
      expect.objectContaining({ code: 'BAS_10008' }) as DomainError,
    );
  });
});

describe('compileFilter', () => {
  const compile = (raw: unknown) => {
    const { filter, errors } = parseFilters(raw);
    expect(errors).toEqual([]);
    const params = new SqlParams();
    return { sql: compileFilter(filter!, params), values: params.values };
  };

  it('sends every attribute name and value as a bind parameter', () => {
    const hostile = "x'); DROP TABLE activity.events; --";
    const { sql, values } = compile({
      condition: 'or',
      filters: [
        leaf('loginId', 'equals', hostile),
        leaf('reason', 'in', [hostile]),
        leaf('clientId', 'startsWith', hostile),
        leaf('changedFields', 'contains', hostile),
      ],
    });
    expect(sql).not.toContain('DROP');
    expect(sql).not.toMatch(/'(reason|clientId|changedFields)'/);
    expect(values).toEqual([
      hostile,
      'reason',
      [hostile],
      'clientId',
      hostile,
      'changedFields',
      hostile,
    ]);
  });

  it('makes every condition two-valued and negation plain NOT', () => {
    const { sql } = compile({
      condition: 'and',
      negate: true,
      filters: [
        leaf('amount', 'greaterThan', 5),
        leaf('accountType', 'notEquals', 'x'),
        leaf('eventId', 'equals', 'logout'),
      ],
    });
    expect(sql).toBe(
      "(NOT (COALESCE((CASE WHEN jsonb_typeof(e.attributes->$1::text) = 'number' THEN (e.attributes->>$1::text)::numeric END) > $2::numeric, false) AND (e.account_type IS DISTINCT FROM $3::text) AND e.event_id = $4::text))",
    );
  });

  it('compares strings by code point and instants as timestamps', () => {
    const { sql } = compile({
      condition: 'and',
      filters: [
        leaf('loginId', 'greaterThan', 'm'),
        leaf('timeStamp', 'lessThan', '2026-01-01T00:00:00Z'),
      ],
    });
    expect(sql).toContain('(e.login_id COLLATE "C") > $1::text');
    expect(sql).toContain('e.occurred_at < $2::timestamptz');
  });

  it('tests presence of attributes with the jsonb key operator', () => {
    expect(compile({ condition: 'and', filters: [leaf('reason', 'exists', false)] }).sql).toBe(
      '((NOT (e.attributes ? $1::text)))',
    );
  });
});

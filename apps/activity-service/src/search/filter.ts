import { escapePointer, isObject, type FieldError } from '@app/common';
import { resolveAttribute, type ValueType } from '../catalogue/attributes';
import { ActivityErrors } from '../common/activity.errors';
import { acceptedKeys } from '../common/body-schema';
import { parseInstant } from '../common/instant';
import {
  CRITERIA,
  FILTER_CONDITION_SCHEMA,
  FILTER_GROUP_SCHEMA,
  FILTER_LIMITS,
} from './search.schema';

/** `additionalFilters`: a tree of and/or groups, each optionally negated, over attributes. */
export interface FilterGroup {
  condition: 'and' | 'or';
  negate: boolean;
  filters: FilterCondition[];
  subFilters: FilterGroup[];
}

export interface FilterCondition {
  attributeId: string;
  criteria: Criteria;
  /** Normalised: instants as ISO strings (UTC, ms); `exists` as a boolean. */
  value: FilterValue;
}

export type Scalar = string | number | boolean;
export type FilterValue = Scalar | Scalar[];

export { CRITERIA, FILTER_LIMITS };
export type Criteria = (typeof CRITERIA)[number];

const CRITERIA_BY_TYPE: Record<ValueType, readonly Criteria[]> = {
  string: CRITERIA,
  'date-time': ['equals', 'notEquals', 'in', 'notIn', 'exists', 'greaterThan', 'lessThan'],
  integer: ['equals', 'notEquals', 'in', 'notIn', 'exists', 'greaterThan', 'lessThan'],
  number: ['equals', 'notEquals', 'in', 'notIn', 'exists', 'greaterThan', 'lessThan'],
  boolean: ['equals', 'notEquals', 'exists'],
  'string[]': ['equals', 'notEquals', 'in', 'notIn', 'contains', 'exists'],
};

// The members a group and a condition accept are those their schemas document.
const GROUP_KEYS = acceptedKeys(FILTER_GROUP_SCHEMA);
const CONDITION_KEYS = acceptedKeys(FILTER_CONDITION_SCHEMA);
const CRITERIA_BY_LOWER = new Map(CRITERIA.map((c) => [c.toLowerCase(), c]));

interface ParseState {
  nodes: number;
  errors: FieldError[];
  /** Set once a bound is exceeded: nothing more is read. */
  overLimit: boolean;
}

/**
 * Validates `additionalFilters` against the catalogue and the bounds above. Field problems are
 * returned (BAS_10005 with every pointer); a sub-filter that repeats its parent's condition
 * without negating it throws BAS_10008 at once, as Candescent's API does. Nothing here runs SQL.
 */
export function parseFilters(
  raw: unknown,
  pointer = '/additionalFilters',
): { filter: FilterGroup | null; errors: FieldError[] } {
  const state: ParseState = { nodes: 0, errors: [], overLimit: false };
  const filter = parseGroup(raw, pointer, 1, null, state);
  return { filter: state.errors.length ? null : filter, errors: state.errors };
}

function parseGroup(
  raw: unknown,
  at: string,
  depth: number,
  parent: FilterGroup | null,
  state: ParseState,
): FilterGroup | null {
  if (state.overLimit) return null;
  if (depth > FILTER_LIMITS.maxDepth) {
    state.errors.push({
      pointer: at,
      detail: `nests deeper than ${FILTER_LIMITS.maxDepth} levels`,
    });
    state.overLimit = true;
    return null;
  }
  if (!countNode(at, state)) return null;
  if (!isObject(raw)) {
    state.errors.push({ pointer: at, detail: 'must be a filter object' });
    return null;
  }
  for (const key of Object.keys(raw)) {
    if (!GROUP_KEYS.has(key))
      state.errors.push({ pointer: `${at}/${escapePointer(key)}`, detail: 'is not a known field' });
  }
  const condition = typeof raw.condition === 'string' ? raw.condition.toLowerCase() : undefined;
  if (condition !== 'and' && condition !== 'or') {
    state.errors.push({ pointer: `${at}/condition`, detail: 'must be and or or' });
  }
  if (raw.negate !== undefined && typeof raw.negate !== 'boolean') {
    state.errors.push({ pointer: `${at}/negate`, detail: 'must be true or false' });
  }
  const group: FilterGroup = {
    condition: condition === 'or' ? 'or' : 'and',
    negate: raw.negate === true,
    filters: [],
    subFilters: [],
  };
  if (
    parent &&
    (condition === 'and' || condition === 'or') &&
    condition === parent.condition &&
    !group.negate
  ) {
    throw ActivityErrors.repeatedCondition(at);
  }

  if (raw.filters !== undefined) {
    if (!Array.isArray(raw.filters)) {
      state.errors.push({ pointer: `${at}/filters`, detail: 'must be an array' });
    } else {
      for (let i = 0; i < raw.filters.length && !state.overLimit; i++) {
        const c = parseCondition(raw.filters[i], `${at}/filters/${i}`, state);
        if (c) group.filters.push(c);
      }
    }
  }
  if (raw.subFilters !== undefined && raw.subFilter !== undefined) {
    state.errors.push({
      pointer: `${at}/subFilter`,
      detail: 'give subFilters or subFilter, not both',
    });
  }
  // Candescent's single `subFilter` is the one-element form of `subFilters`.
  const subs: { raw: unknown; at: string }[] = [];
  if (raw.subFilter !== undefined) {
    subs.push({ raw: raw.subFilter, at: `${at}/subFilter` });
  } else if (Array.isArray(raw.subFilters)) {
    raw.subFilters.forEach((sub: unknown, i) =>
      subs.push({ raw: sub, at: `${at}/subFilters/${i}` }),
    );
  } else if (raw.subFilters !== undefined) {
    state.errors.push({ pointer: `${at}/subFilters`, detail: 'must be an array' });
  }
  for (const sub of subs) {
    if (state.overLimit) break;
    const g = parseGroup(sub.raw, sub.at, depth + 1, group, state);
    if (g) group.subFilters.push(g);
  }
  if (
    !state.overLimit &&
    state.errors.length === 0 &&
    group.filters.length === 0 &&
    group.subFilters.length === 0
  ) {
    state.errors.push({ pointer: at, detail: 'must hold at least one filter or sub-filter' });
  }
  return group;
}

function countNode(at: string, state: ParseState): boolean {
  state.nodes++;
  if (state.nodes > FILTER_LIMITS.maxNodes) {
    state.errors.push({
      pointer: at,
      detail: `the filter tree has more than ${FILTER_LIMITS.maxNodes} filters and groups`,
    });
    state.overLimit = true;
    return false;
  }
  return true;
}

function parseCondition(raw: unknown, at: string, state: ParseState): FilterCondition | null {
  if (!countNode(at, state)) return null;
  if (!isObject(raw)) {
    state.errors.push({ pointer: at, detail: 'must be a filter condition object' });
    return null;
  }
  const before = state.errors.length;
  for (const key of Object.keys(raw)) {
    if (!CONDITION_KEYS.has(key))
      state.errors.push({ pointer: `${at}/${escapePointer(key)}`, detail: 'is not a known field' });
  }
  const attribute =
    typeof raw.attributeId === 'string' ? resolveAttribute(raw.attributeId) : undefined;
  if (!attribute) {
    state.errors.push({
      pointer: `${at}/attributeId`,
      detail: 'must be a field or attribute of the catalogue (GET .../event-types)',
    });
  }
  const criteria =
    typeof raw.criteria === 'string'
      ? CRITERIA_BY_LOWER.get(raw.criteria.toLowerCase())
      : undefined;
  if (!criteria) {
    state.errors.push({
      pointer: `${at}/criteria`,
      detail: `must be one of ${CRITERIA.join(', ')}`,
    });
  }
  if (!attribute || !criteria) return null;
  if (!CRITERIA_BY_TYPE[attribute.type].includes(criteria)) {
    state.errors.push({
      pointer: `${at}/criteria`,
      detail: `${criteria} does not apply to ${attribute.id} (${attribute.type})`,
    });
    return null;
  }
  const checked = checkValue(raw.value, attribute.type, criteria);
  if (!checked.ok) {
    state.errors.push({ pointer: `${at}/value`, detail: checked.problem });
    return null;
  }
  if (state.errors.length > before) return null;
  return { attributeId: attribute.id, criteria, value: checked.value };
}

type Checked<T> = { ok: true; value: T } | { ok: false; problem: string };
const ok = <T>(value: T): Checked<T> => ({ ok: true, value });
const bad = (problem: string): Checked<never> => ({ ok: false, problem });

/** The value normalised for its attribute type and criteria, or what is wrong with it. */
function checkValue(value: unknown, type: ValueType, criteria: Criteria): Checked<FilterValue> {
  const scalarType: ValueType = type === 'string[]' ? 'string' : type;
  switch (criteria) {
    case 'exists':
      if (value === undefined) return ok(true);
      return typeof value === 'boolean' ? ok(value) : bad('must be true or false');
    case 'in':
    case 'notIn':
      return checkList(value, scalarType, 1);
    case 'equals':
    case 'notEquals':
      return type === 'string[]' ? checkList(value, 'string', 0) : checkScalar(value, type);
    case 'contains':
    case 'startsWith':
      return typeof value === 'string' &&
        value.length > 0 &&
        value.length <= FILTER_LIMITS.maxStringLength
        ? ok(value)
        : bad(`must be a string of 1 to ${FILTER_LIMITS.maxStringLength} characters`);
    case 'greaterThan':
    case 'lessThan':
      return checkScalar(value, type);
  }
}

function checkList(value: unknown, type: ValueType, min: number): Checked<Scalar[]> {
  if (!Array.isArray(value) || value.length < min || value.length > FILTER_LIMITS.maxValues) {
    return bad(`must be an array of ${min} to ${FILTER_LIMITS.maxValues} values`);
  }
  const out: Scalar[] = [];
  for (const v of value) {
    const checked = checkScalar(v, type);
    if (!checked.ok) return checked;
    out.push(checked.value);
  }
  return ok(out);
}

function checkScalar(value: unknown, type: ValueType): Checked<Scalar> {
  switch (type) {
    case 'string':
    case 'string[]':
      return typeof value === 'string' && value.length <= FILTER_LIMITS.maxStringLength
        ? ok(value)
        : bad(`must be a string of at most ${FILTER_LIMITS.maxStringLength} characters`);
    case 'date-time': {
      const t = parseInstant(value);
      return t === null
        ? bad('must be an ISO 8601 date-time with a time zone')
        : ok(new Date(t).toISOString());
    }
    case 'integer':
    case 'number':
      return typeof value === 'number' && Number.isFinite(value)
        ? ok(value)
        : bad('must be a number');
    case 'boolean':
      return typeof value === 'boolean' ? ok(value) : bad('must be true or false');
  }
}

import { CRITERIA } from '@app/common';

/**
 * The test drive's query model: the activity search as an HTML form (GET, so a result is a link).
 * Pure: the query string in, the form to render and the exact search body out, and the API's
 * field errors (JSON pointers into that body) mapped back to the form fields that produced them.
 *
 * The form covers the six query shapes of the Banking Activity search (one or several users, or
 * the whole FI; one, several or every event type), user type, companies and an and/or/not filter
 * tree of two levels (or any tree pasted as JSON). It validates only what it must to build a body
 * (times, JSON); everything else is left to the API, so the page shows the API's own answers.
 */

export type QueryInput = Record<string, string | string[] | undefined>;

/** The attribute types of the catalogue (GET .../event-types), to type filter values. */
export type AttributeTypes = ReadonlyMap<string, string>;

export { CRITERIA };

/** Filter rows of the top group and of its sub-group (the form has no JavaScript to add rows). */
export const TOP_ROWS = 3;
export const SUB_ROWS = 3;
export const DEFAULT_PAGE_SIZE = 25;
const HOUR_MS = 3_600_000;
const DEFAULT_WINDOW_MS = 24 * HOUR_MS;

export interface FilterRow {
  attributeId: string;
  criteria: string;
  value: string;
}

export interface FilterGroupForm {
  condition: 'and' | 'or';
  negate: boolean;
  rows: FilterRow[];
}

/** What the form shows: the values as typed, to render them back. */
export interface TestDriveForm {
  /** UTC, `YYYY-MM-DDTHH:mm` (datetime-local) or any ISO 8601 instant with a zone. */
  from: string;
  to: string;
  who: 'fi' | 'users';
  userIdType: 'loginId' | 'customerId';
  /** One or several ids, separated by commas, spaces or new lines. */
  users: string;
  eventIds: string[];
  userType: '' | 'retail' | 'business';
  companies: string;
  sortOrder: 'ASC' | 'DESC';
  pageSize: string;
  attributes: string;
  top: FilterGroupForm;
  sub: FilterGroupForm;
  /** An additionalFilters tree as JSON; when given, it is sent instead of the rows. */
  filterJson: string;
  /** The API's nextPageToken of the page before (the API's own paging). */
  page: string;
}

export interface SearchBody {
  startTime: string;
  endTime: string;
  pageSize: number | string;
  sortOrder?: 'DESC';
  eventIds?: string[];
  userType?: 'retail' | 'business';
  userIdType?: 'loginId' | 'customerId';
  userId?: string;
  userIds?: string[];
  companyIds?: string[];
  requestedAttributes?: string[];
  additionalFilters?: unknown;
  nextPageToken?: string;
}

/** Form field name → messages. '' holds what belongs to no one field. */
export type FormErrors = Record<string, string[]>;

export interface TestDriveQuery {
  form: TestDriveForm;
  /** null when the form itself cannot make a body (see errors). */
  body: SearchBody | null;
  errors: FormErrors;
  /** Which of the six shapes, in words, e.g. "one user, several event types". */
  shape: string;
  /** Where each pointer of the built body came from: for mapping the API's errors back. */
  pointers: PointerMap;
}

/** JSON pointer prefix → form field name, longest prefix first. */
export type PointerMap = [prefix: string, field: string][];

/** The form field names, as they appear in the query string and as element ids. */
export const FIELD = {
  from: 'from',
  to: 'to',
  who: 'who',
  userIdType: 'idType',
  users: 'users',
  eventIds: 'event',
  userType: 'userType',
  companies: 'companies',
  sortOrder: 'sort',
  pageSize: 'size',
  attributes: 'attrs',
  filterJson: 'filters',
  page: 'page',
  topCondition: 'fc',
  topNegate: 'fn',
  subCondition: 'sc',
  subNegate: 'sn',
  row: (group: 'f' | 's', i: number, part: 'attr' | 'crit' | 'val') => `${group}${i}${part}`,
} as const;

const one = (q: QueryInput, key: string): string => {
  const v = q[key];
  return (Array.isArray(v) ? (v[0] ?? '') : (v ?? '')).trim();
};
const many = (q: QueryInput, key: string): string[] => {
  const v = q[key];
  const list = Array.isArray(v) ? v : v === undefined ? [] : [v];
  return [...new Set(list.map((s) => s.trim()).filter((s) => s.length > 0))];
};
const splitList = (text: string): string[] => [
  ...new Set(
    text
      .split(/[\s,]+/)
      .map((s) => s.trim())
      .filter((s) => s.length > 0),
  ),
];

/** `YYYY-MM-DDTHH:mm` in UTC, as a datetime-local input shows it. */
export function toLocalInput(ms: number): string {
  return new Date(ms).toISOString().slice(0, 16);
}

/**
 * An instant from the form: a datetime-local value (no zone: read as UTC, as the label says)
 * or an ISO 8601 instant with Z or an offset. null when it is neither.
 */
export function parseFormInstant(text: string): string | null {
  const local = /^(\d{4}-\d{2}-\d{2})T(\d{2}:\d{2})(:\d{2}(\.\d{1,3})?)?$/.exec(text);
  const iso = local
    ? `${local[1]}T${local[2]}${local[3] ?? ':00'}Z`
    : /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:\d{2})$/i.test(text)
      ? text
      : null;
  if (iso === null) return null;
  const ms = Date.parse(iso);
  return Number.isNaN(ms) ? null : new Date(ms).toISOString().replace('.000Z', 'Z');
}

function group(q: QueryInput, g: 'f' | 's', rows: number): FilterGroupForm {
  const cond = one(q, g === 'f' ? FIELD.topCondition : FIELD.subCondition).toLowerCase();
  // The sub-group defaults to the other condition: one that repeats its parent's is refused
  // (BAS_10008) unless negated.
  const fallback = g === 'f' ? 'and' : 'or';
  return {
    condition: cond === 'or' || cond === 'and' ? cond : fallback,
    negate: one(q, g === 'f' ? FIELD.topNegate : FIELD.subNegate) !== '',
    rows: Array.from({ length: rows }, (_, i) => ({
      attributeId: one(q, FIELD.row(g, i, 'attr')),
      criteria: one(q, FIELD.row(g, i, 'crit')),
      value: one(q, FIELD.row(g, i, 'val')),
    })),
  };
}

/** The form as the query string gives it; `now` fills in the default window (the last 24 h). */
export function readForm(q: QueryInput, now: number): TestDriveForm {
  // The default window ends on the next whole minute, so the newest events are in it.
  const end = Math.ceil(now / 60_000) * 60_000;
  const sub = group(q, 's', SUB_ROWS);
  const top = group(q, 'f', TOP_ROWS);
  const userType = one(q, FIELD.userType).toLowerCase();
  return {
    from: one(q, FIELD.from) || toLocalInput(end - DEFAULT_WINDOW_MS),
    to: one(q, FIELD.to) || toLocalInput(end),
    who: one(q, FIELD.who) === 'users' ? 'users' : 'fi',
    userIdType: one(q, FIELD.userIdType) === 'customerId' ? 'customerId' : 'loginId',
    users: one(q, FIELD.users),
    eventIds: many(q, FIELD.eventIds),
    userType: userType === 'retail' || userType === 'business' ? userType : '',
    companies: one(q, FIELD.companies),
    sortOrder: one(q, FIELD.sortOrder).toUpperCase() === 'DESC' ? 'DESC' : 'ASC',
    pageSize: one(q, FIELD.pageSize) || String(DEFAULT_PAGE_SIZE),
    attributes: one(q, FIELD.attributes),
    top,
    sub,
    filterJson: one(q, FIELD.filterJson),
    page: one(q, FIELD.page),
  };
}

const filled = (r: FilterRow) => r.attributeId !== '' || r.criteria !== '' || r.value !== '';

/**
 * A filter value typed for its attribute: numbers for number and integer attributes, booleans
 * for boolean ones and for `exists`, lists for in / notIn (and for string[] equality). A value
 * that does not read as its type is sent as typed, for the API to name the problem.
 */
export function filterValue(row: FilterRow, types: AttributeTypes): unknown {
  const type = types.get(row.attributeId);
  const text = row.value;
  const scalar = (s: string, t: string | undefined): unknown => {
    if ((t === 'number' || t === 'integer') && /^-?\d+(\.\d+)?([eE][+-]?\d+)?$/.test(s))
      return Number(s);
    if (t === 'boolean' && (s === 'true' || s === 'false')) return s === 'true';
    return s;
  };
  if (row.criteria === 'exists') {
    if (text === '') return undefined;
    return text === 'true' ? true : text === 'false' ? false : text;
  }
  if (row.criteria === 'in' || row.criteria === 'notIn') {
    return text
      .split(',')
      .map((s) => s.trim())
      .filter((s) => s !== '')
      .map((s) => scalar(s, type === 'string[]' ? 'string' : type));
  }
  if (type === 'string[]' && (row.criteria === 'equals' || row.criteria === 'notEquals')) {
    return text
      .split(',')
      .map((s) => s.trim())
      .filter((s) => s !== '');
  }
  return scalar(text, type);
}

interface BuiltGroup {
  json: Record<string, unknown>;
  /** Index in `filters` → row index in the form. */
  rows: number[];
}

function buildGroup(g: FilterGroupForm, types: AttributeTypes): BuiltGroup {
  const rows: number[] = [];
  const filters: Record<string, unknown>[] = [];
  g.rows.forEach((r, i) => {
    if (!filled(r)) return;
    rows.push(i);
    const value = filterValue(r, types);
    filters.push({
      attributeId: r.attributeId,
      criteria: r.criteria,
      ...(value === undefined ? {} : { value }),
    });
  });
  return {
    json: {
      condition: g.condition,
      ...(g.negate ? { negate: true } : {}),
      ...(filters.length ? { filters } : {}),
    },
    rows,
  };
}

/** In words: which of the six shapes, and what narrows it. */
export function describeShape(
  body: Pick<SearchBody, 'userId' | 'userIds' | 'eventIds'> & Partial<SearchBody>,
): string {
  const users = body.userId !== undefined ? 1 : (body.userIds?.length ?? 0);
  const events = body.eventIds?.length ?? 0;
  const who = users === 0 ? 'the whole FI' : users === 1 ? 'one user' : 'several users';
  const what =
    events === 0 ? 'every event type' : events === 1 ? 'one event type' : 'several event types';
  const more = [
    body.userType ? `${body.userType} users` : null,
    body.companyIds?.length
      ? `${body.companyIds.length === 1 ? 'one company' : `${body.companyIds.length} companies`}`
      : null,
    body.additionalFilters !== undefined ? 'additional filters' : null,
  ].filter((s): s is string => s !== null);
  return `${who}, ${what}${more.length ? `; ${more.join(', ')}` : ''}`;
}

/**
 * The search body the form stands for, exactly as the API takes it (only the members that say
 * something: the API's defaults are left to the API), and where each of its pointers came from.
 */
export function buildQuery(form: TestDriveForm, types: AttributeTypes): TestDriveQuery {
  const errors: FormErrors = {};
  const fail = (field: string, message: string) => (errors[field] ??= []).push(message);
  const pointers: PointerMap = [
    ['/startTime', FIELD.from],
    ['/endTime', FIELD.to],
    ['/userIdType', FIELD.userIdType],
    ['/userIds', FIELD.users],
    ['/userId', FIELD.users],
    ['/eventIds', FIELD.eventIds],
    ['/userType', FIELD.userType],
    ['/companyIds', FIELD.companies],
    ['/sortOrder', FIELD.sortOrder],
    ['/pageSize', FIELD.pageSize],
    ['/requestedAttributes', FIELD.attributes],
    ['/nextPageToken', FIELD.page],
  ];

  const startTime = parseFormInstant(form.from);
  if (startTime === null) fail(FIELD.from, 'must be a date and time (UTC)');
  const endTime = parseFormInstant(form.to);
  if (endTime === null) fail(FIELD.to, 'must be a date and time (UTC)');

  // A page size that is not a number goes to the API as typed: its answer names the problem.
  const pageSize = /^\d{1,9}$/.test(form.pageSize) ? Number(form.pageSize) : form.pageSize;
  const body: SearchBody = { startTime: startTime ?? '', endTime: endTime ?? '', pageSize };
  if (form.sortOrder === 'DESC') body.sortOrder = 'DESC';
  if (form.eventIds.length) body.eventIds = form.eventIds;
  if (form.userType) body.userType = form.userType;

  if (form.who === 'users') {
    const ids = splitList(form.users);
    if (ids.length === 0) fail(FIELD.users, 'name at least one user, or choose the whole FI');
    body.userIdType = form.userIdType;
    if (ids.length === 1) body.userId = ids[0];
    else if (ids.length > 1) body.userIds = ids;
  }
  const companies = splitList(form.companies);
  if (companies.length) body.companyIds = companies;
  const attributes = splitList(form.attributes);
  if (attributes.length) body.requestedAttributes = attributes;

  if (form.filterJson !== '') {
    try {
      body.additionalFilters = JSON.parse(form.filterJson) as unknown;
      pointers.push(['/additionalFilters', FIELD.filterJson]);
    } catch {
      fail(FIELD.filterJson, 'is not valid JSON');
    }
  } else {
    const top = buildGroup(form.top, types);
    const sub = buildGroup(form.sub, types);
    const filters = top.json.filters as unknown[] | undefined;
    if (filters || sub.rows.length) {
      body.additionalFilters = {
        ...top.json,
        ...(sub.rows.length ? { subFilters: [sub.json] } : {}),
      };
      const rowPointers = (prefix: string, g: 'f' | 's', built: BuiltGroup) =>
        built.rows.flatMap((row, i): PointerMap => [
          [`${prefix}/filters/${i}/attributeId`, FIELD.row(g, row, 'attr')],
          [`${prefix}/filters/${i}/criteria`, FIELD.row(g, row, 'crit')],
          [`${prefix}/filters/${i}/value`, FIELD.row(g, row, 'val')],
          [`${prefix}/filters/${i}`, FIELD.row(g, row, 'attr')],
        ]);
      const subAt = '/additionalFilters/subFilters/0';
      pointers.push(
        ...rowPointers(subAt, 's', sub),
        [`${subAt}/negate`, FIELD.subNegate],
        [subAt, FIELD.subCondition],
        ...rowPointers('/additionalFilters', 'f', top),
        ['/additionalFilters/negate', FIELD.topNegate],
        ['/additionalFilters', FIELD.topCondition],
      );
    }
  }
  if (form.page) body.nextPageToken = form.page;

  // Longest prefix first, so the most precise field wins.
  pointers.sort((a, b) => b[0].length - a[0].length);
  const ok = Object.keys(errors).length === 0;
  return { form, body: ok ? body : null, errors, shape: describeShape(body), pointers };
}

/** The field a JSON pointer of the search body belongs to ('' when none). */
export function fieldOf(pointer: string, pointers: PointerMap): string {
  for (const [prefix, field] of pointers) {
    if (pointer === prefix || pointer.startsWith(`${prefix}/`)) return field;
  }
  return '';
}

export interface ApiFieldError {
  pointer: string;
  detail: string;
}

/** The API's field errors beside the form fields that made them. */
export function mapApiErrors(
  problem: { detail?: string; errors?: ApiFieldError[] },
  pointers: PointerMap,
): FormErrors {
  const out: FormErrors = {};
  const errors = problem.errors ?? [];
  for (const e of errors) {
    const field = fieldOf(e.pointer, pointers);
    (out[field] ??= []).push(field === '' ? `${e.pointer || '/'} ${e.detail}` : e.detail);
  }
  if (errors.length === 0 && problem.detail) (out[''] ??= []).push(problem.detail);
  return out;
}

/**
 * The query string of this form, for links (the next page, the first page). Empty values are
 * left out so links stay short.
 */
export function formQuery(form: TestDriveForm, overrides: { page?: string } = {}): string {
  const p = new URLSearchParams();
  const put = (k: string, v: string) => {
    if (v !== '') p.append(k, v);
  };
  put(FIELD.from, form.from);
  put(FIELD.to, form.to);
  put(FIELD.who, form.who);
  if (form.who === 'users') put(FIELD.userIdType, form.userIdType);
  put(FIELD.users, form.users);
  for (const e of form.eventIds) put(FIELD.eventIds, e);
  put(FIELD.userType, form.userType);
  put(FIELD.companies, form.companies);
  put(FIELD.sortOrder, form.sortOrder);
  put(FIELD.pageSize, form.pageSize);
  put(FIELD.attributes, form.attributes);
  const anyRows = form.top.rows.some(filled) || form.sub.rows.some(filled);
  const groupParams = (g: 'f' | 's', grp: FilterGroupForm) => {
    // The top group's condition matters as soon as either group has a row.
    if (!(g === 'f' ? anyRows : grp.rows.some(filled))) return;
    put(g === 'f' ? FIELD.topCondition : FIELD.subCondition, grp.condition);
    if (grp.negate) put(g === 'f' ? FIELD.topNegate : FIELD.subNegate, 'on');
    grp.rows.forEach((r, i) => {
      put(FIELD.row(g, i, 'attr'), r.attributeId);
      put(FIELD.row(g, i, 'crit'), r.criteria);
      put(FIELD.row(g, i, 'val'), r.value);
    });
  };
  if (form.filterJson) put(FIELD.filterJson, form.filterJson);
  else {
    groupParams('f', form.top);
    groupParams('s', form.sub);
  }
  put(FIELD.page, overrides.page ?? form.page);
  return p.toString();
}

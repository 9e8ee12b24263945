import { DAY_MS, escapePointer, isObject, type FieldError } from '@app/common';
import { resolveAttribute } from '../catalogue/attributes';
import { EVENT_TYPE_BY_ID, USER_TYPES, type UserType } from '../catalogue/event-catalogue';
import { ActivityErrors } from '../common/activity.errors';
import { parseInstant } from '../common/instant';
import { acceptedKeys } from '../common/body-schema';
import { parseFilters, type FilterGroup } from './filter';
import { EXPORT_BODY, SEARCH_BODY, SEARCH_LIMITS } from './search.schema';

export type UserIdType = 'loginId' | 'customerId';
export type SortOrder = 'ASC' | 'DESC';

/** A validated search (or export) inside one institution. */
export interface SearchQuery {
  institutionId: string;
  /** Inclusive. */
  startTime: Date;
  /** Exclusive. */
  endTime: Date;
  eventIds: string[];
  userType: UserType | null;
  userIdType: UserIdType;
  userIds: string[];
  companyIds: string[];
  /** null: every field and attribute. */
  requestedAttributes: string[] | null;
  filter: FilterGroup | null;
  sortOrder: SortOrder;
  pageSize: number;
  nextPageToken: string | null;
}

export interface SearchContext {
  institutionId: string;
  now: number;
  maxLookbackDays: number;
  /** Export streams every match: no page size, no page token, no look-back limit. */
  mode: 'search' | 'export';
}

export { SEARCH_LIMITS };

// The fields each body accepts are those its schema documents.
const SEARCH_KEYS = acceptedKeys(SEARCH_BODY);
const EXPORT_KEYS = acceptedKeys(EXPORT_BODY);

/**
 * Validates a search body into a SearchQuery, answering with Candescent's codes: BAS_10006
 * for a body that is not a JSON object, BAS_10009 / BAS_10010 for userType / userIdType,
 * BAS_10005 (every field problem listed) for the rest, BAS_10008 from the filter rules, then
 * BAS_10001 and BAS_10002 for the time range.
 */
export function parseSearchRequest(body: unknown, ctx: SearchContext): SearchQuery {
  if (!isObject(body)) throw ActivityErrors.unreadableBody();
  const errors: FieldError[] = [];
  const allowed = ctx.mode === 'export' ? EXPORT_KEYS : SEARCH_KEYS;
  for (const key of Object.keys(body)) {
    if (!allowed.has(key))
      errors.push({ pointer: `/${escapePointer(key)}`, detail: 'is not a known field' });
  }

  let userType: UserType | null = null;
  if (body.userType !== undefined && body.userType !== null) {
    const v = typeof body.userType === 'string' ? body.userType.toLowerCase() : undefined;
    if (!v || !(USER_TYPES as readonly string[]).includes(v))
      throw ActivityErrors.invalidUserType();
    userType = v as UserType;
  }
  let userIdType: UserIdType = 'loginId';
  if (body.userIdType !== undefined && body.userIdType !== null) {
    const v = typeof body.userIdType === 'string' ? body.userIdType.toLowerCase() : undefined;
    if (v === 'loginid') userIdType = 'loginId';
    else if (v === 'customerid') userIdType = 'customerId';
    else throw ActivityErrors.invalidUserIdType();
  }

  const start = parseInstant(body.startTime);
  if (start === null) {
    errors.push({
      pointer: '/startTime',
      detail: 'is required: an ISO 8601 date-time with a time zone',
    });
  }
  const end = parseInstant(body.endTime);
  if (end === null) {
    errors.push({
      pointer: '/endTime',
      detail: 'is required: an ISO 8601 date-time with a time zone',
    });
  }

  let pageSize = SEARCH_LIMITS.defaultPageSize;
  if (body.pageSize !== undefined && body.pageSize !== null) {
    if (
      !Number.isInteger(body.pageSize) ||
      (body.pageSize as number) < 1 ||
      (body.pageSize as number) > SEARCH_LIMITS.maxPageSize
    ) {
      errors.push({
        pointer: '/pageSize',
        detail: `must be an integer from 1 to ${SEARCH_LIMITS.maxPageSize}`,
      });
    } else pageSize = body.pageSize as number;
  }

  const eventIds = stringList(body.eventIds, '/eventIds', errors, (id, at) => {
    if (!EVENT_TYPE_BY_ID.has(id))
      errors.push({ pointer: at, detail: 'is not an event type of the catalogue' });
  });

  if (body.userId !== undefined && body.userIds !== undefined) {
    errors.push({ pointer: '/userIds', detail: 'give userId or userIds, not both' });
  }
  let userIds: string[] = [];
  if (body.userId !== undefined && body.userId !== null) {
    if (
      typeof body.userId !== 'string' ||
      body.userId.length === 0 ||
      body.userId.length > SEARCH_LIMITS.maxIdLength
    ) {
      errors.push({
        pointer: '/userId',
        detail: `must be a string of 1 to ${SEARCH_LIMITS.maxIdLength} characters`,
      });
    } else userIds = [body.userId];
  } else {
    userIds = stringList(body.userIds, '/userIds', errors);
  }

  const companyIds = stringList(body.companyIds, '/companyIds', errors);
  if (companyIds.length > 0 && userType === 'retail') {
    errors.push({ pointer: '/companyIds', detail: 'apply to business users only' });
  }

  let requestedAttributes: string[] | null = null;
  if (body.requestedAttributes !== undefined && body.requestedAttributes !== null) {
    const list = stringList(
      body.requestedAttributes,
      '/requestedAttributes',
      errors,
      (id, at) => {
        if (!resolveAttribute(id))
          errors.push({ pointer: at, detail: 'is not a field or attribute of the catalogue' });
      },
      SEARCH_LIMITS.maxRequestedAttributes,
    );
    if (list.length > 0) requestedAttributes = list;
  }

  let sortOrder: SortOrder = 'ASC';
  if (body.sortOrder !== undefined && body.sortOrder !== null) {
    const v = typeof body.sortOrder === 'string' ? body.sortOrder.toUpperCase() : undefined;
    if (v !== 'ASC' && v !== 'DESC')
      errors.push({ pointer: '/sortOrder', detail: 'must be ASC or DESC' });
    else sortOrder = v;
  }

  let nextPageToken: string | null = null;
  if (body.nextPageToken !== undefined && body.nextPageToken !== null && ctx.mode === 'search') {
    if (
      typeof body.nextPageToken !== 'string' ||
      body.nextPageToken.length > SEARCH_LIMITS.maxPageTokenLength
    ) {
      errors.push({ pointer: '/nextPageToken', detail: 'must be a token from a previous page' });
    } else nextPageToken = body.nextPageToken;
  }

  let filter: FilterGroup | null = null;
  if (body.additionalFilters !== undefined && body.additionalFilters !== null) {
    const parsed = parseFilters(body.additionalFilters);
    errors.push(...parsed.errors);
    filter = parsed.filter;
  }

  if (errors.length > 0) throw ActivityErrors.invalidArguments(errors);
  if (start! >= end!) throw ActivityErrors.startNotBeforeEnd();
  if (ctx.mode === 'search' && start! < ctx.now - ctx.maxLookbackDays * DAY_MS) {
    throw ActivityErrors.startBeyondLookback(ctx.maxLookbackDays);
  }

  return {
    institutionId: ctx.institutionId,
    startTime: new Date(start!),
    endTime: new Date(end!),
    eventIds,
    userType,
    userIdType,
    userIds,
    companyIds,
    requestedAttributes,
    filter,
    sortOrder,
    pageSize,
    nextPageToken,
  };
}

/** An optional list of distinct strings; duplicates are dropped, order kept. */
function stringList(
  value: unknown,
  at: string,
  errors: FieldError[],
  check?: (item: string, pointer: string) => void,
  max = SEARCH_LIMITS.maxListItems,
): string[] {
  if (value === undefined || value === null) return [];
  if (!Array.isArray(value) || value.length > max) {
    errors.push({ pointer: at, detail: `must be an array of at most ${max} strings` });
    return [];
  }
  const out = new Set<string>();
  value.forEach((item: unknown, i) => {
    if (typeof item !== 'string' || item.length === 0 || item.length > SEARCH_LIMITS.maxIdLength) {
      errors.push({
        pointer: `${at}/${i}`,
        detail: `must be a string of 1 to ${SEARCH_LIMITS.maxIdLength} characters`,
      });
      return;
    }
    check?.(item, `${at}/${i}`);
    out.add(item);
  });
  return [...out];
}

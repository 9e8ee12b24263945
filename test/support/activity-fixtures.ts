import { randomUUID } from 'node:crypto';
import { ACTIVITIES, type ActivityPlatform } from './activity-platform';

/**
 * A small, deterministic activity dataset for the e2e tests, and an evaluator of searches
 * written independently of the service (plain JavaScript over the events as they were sent),
 * so the tests compare the API with what the contract says, not with the service's own SQL.
 */
export interface WireEvent {
  guid: string;
  eventId: string;
  timeStamp: string;
  institutionId: string;
  userType: 'retail' | 'business';
  loginId: string;
  customerId?: string;
  institutionCustomerId?: string;
  accountType?: string;
  channel?: string;
  ipAddress?: string;
  attributes: Record<string, unknown>;
}

export function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4_294_967_296;
  };
}

export interface TestUser {
  loginId: string;
  customerId: string;
  userType: 'retail' | 'business';
  company?: string;
}

/** Users of one FI: retail ones and business ones in three companies. */
export function testUsers(prefix = ''): TestUser[] {
  const users: TestUser[] = [];
  for (let i = 1; i <= 6; i++) {
    users.push({ loginId: `retail${i}`, customerId: `${prefix}c-r${i}`, userType: 'retail' });
  }
  for (let i = 1; i <= 6; i++) {
    users.push({
      loginId: `biz${i}`,
      customerId: `${prefix}c-b${i}`,
      userType: 'business',
      company: `co${Math.ceil(i / 2)}`,
    });
  }
  return users;
}

/** Attribute values by event type: enough variety for every filter criterion. */
function attributesFor(eventId: string, r: () => number): Record<string, unknown> {
  const pick = <T>(xs: readonly T[]): T => xs[Math.floor(r() * xs.length)]!;
  switch (eventId) {
    case 'loginSuccess':
      return { clientId: pick(['mobile-app', 'web-app', 'partner-api']) };
    case 'loginFailure':
      return {
        clientId: pick(['mobile-app', 'web-app']),
        failedLoginCount: 1 + Math.floor(r() * 4),
        ...(r() < 0.5 ? { reason: pick(['badPassword', 'unknownDevice']) } : {}),
      };
    case 'userLocked':
      return { failedLoginCount: 5 };
    case 'profileChange':
      return {
        changedFields: pick([
          ['emailAddress'],
          ['phoneNumber'],
          ['emailAddress', 'postalAddress'],
          ['phoneNumber', 'postalAddress', 'emailAddress'],
        ]),
      };
    case 'transferCreated':
      return {
        transferId: `T-${Math.floor(r() * 10_000)}`,
        amount: pick([10, 99.99, 100, 250.5, 1000, 5000]),
        currency: pick(['USD', 'USD', 'CAD']),
        transferType: pick(['internal', 'external', 'p2p']),
        ...(r() < 0.5 ? { frequency: pick(['once', 'monthly']) } : {}),
      };
    case 'eStatementEnrollment':
      return { enrolled: r() < 0.5 };
    case 'statementViewed':
      return {
        statementId: `S-${Math.floor(r() * 100)}`,
        statementPeriod: pick(['2026-08', '2026-09', '2026-10']),
      };
    case 'mfaChallengeIssued':
      return { method: pick(['sms', 'email', 'totp']), ...(r() < 0.5 ? { reason: 'login' } : {}) };
    case 'logout':
      return r() < 0.5 ? {} : { sessionDurationSeconds: Math.floor(r() * 600) };
    default:
      return {};
  }
}

export const TEST_EVENT_TYPES = [
  'loginSuccess',
  'loginFailure',
  'userLocked',
  'profileChange',
  'transferCreated',
  'eStatementEnrollment',
  'statementViewed',
  'mfaChallengeIssued',
  'logout',
];

/**
 * `count` events of `institutionId` in [from, to), on a 10-minute grid so many share a
 * timestamp (keyset paging has to break those ties).
 */
export function generateEvents(
  institutionId: string,
  count: number,
  from: number,
  to: number,
  seed: number,
  users: TestUser[] = testUsers(),
): WireEvent[] {
  const r = rng(seed);
  const slots = Math.max(1, Math.floor((to - from) / 600_000));
  return Array.from({ length: count }, () => {
    const user = users[Math.floor(r() * users.length)]!;
    const eventId = TEST_EVENT_TYPES[Math.floor(r() * TEST_EVENT_TYPES.length)]!;
    const event: WireEvent = {
      guid: randomUUID(),
      eventId,
      timeStamp: new Date(from + Math.floor(r() * slots) * 600_000).toISOString(),
      institutionId,
      userType: user.userType,
      loginId: user.loginId,
      attributes: attributesFor(eventId, r),
    };
    if (r() < 0.9) event.customerId = user.customerId;
    if (user.company) event.institutionCustomerId = user.company;
    if (r() < 0.4) event.accountType = r() < 0.5 ? 'checking' : 'savings';
    if (r() < 0.8) event.channel = r() < 0.5 ? 'mobile' : 'online';
    if (r() < 0.7) event.ipAddress = `203.0.113.${1 + Math.floor(r() * 20)}`;
    return event;
  });
}

/** Sends events through the batch endpoint with the internal token, in order. */
export async function ingest(
  p: ActivityPlatform,
  token: string,
  events: WireEvent[],
  batchSize = 500,
): Promise<void> {
  for (let i = 0; i < events.length; i += batchSize) {
    const res = await p.post<{ accepted: number }>(`${ACTIVITIES}/batch`, token, {
      events: events.slice(i, i + batchSize),
    });
    if (res.status !== 202) throw new Error(`ingest failed: ${res.status} ${res.text}`);
  }
}

// ---------------------------------------------------------------------------- the oracle

type Filter = {
  condition: string;
  negate?: boolean;
  filters?: { attributeId: string; criteria: string; value?: unknown }[];
  subFilters?: Filter[];
  subFilter?: Filter;
};

export interface SearchBody {
  startTime: string;
  endTime: string;
  eventIds?: string[];
  userType?: string;
  userIdType?: string;
  userId?: string;
  userIds?: string[];
  companyIds?: string[];
  additionalFilters?: Filter;
  sortOrder?: string;
  pageSize?: number;
  requestedAttributes?: string[];
  nextPageToken?: string;
}

/** The value of a field or attribute of an event as sent (undefined when absent). */
function valueOf(e: WireEvent, id: string): unknown {
  switch (id) {
    case 'timeStamp':
      return Date.parse(e.timeStamp);
    case 'guid':
    case 'eventId':
    case 'userType':
    case 'loginId':
    case 'customerId':
    case 'institutionCustomerId':
    case 'accountType':
    case 'channel':
    case 'ipAddress':
      return e[id] ?? undefined;
    default:
      return e.attributes[id];
  }
}

const same = (a: unknown, b: unknown, id: string): boolean => {
  if (id === 'timeStamp') return a === Date.parse(b as string);
  return JSON.stringify(a) === JSON.stringify(b);
};

/** The contract's criteria, evaluated in plain JavaScript. Absent never matches a positive test. */
function holds(
  e: WireEvent,
  f: { attributeId: string; criteria: string; value?: unknown },
): boolean {
  const v = valueOf(e, f.attributeId);
  const present = v !== undefined;
  const values = Array.isArray(f.value) ? f.value : [f.value];
  switch (f.criteria) {
    case 'equals':
      return present && same(v, f.value, f.attributeId);
    case 'notEquals':
      return !(present && same(v, f.value, f.attributeId));
    case 'in':
      return (
        present &&
        (Array.isArray(v)
          ? v.some((x) => values.includes(x))
          : values.some((x) => same(v, x, f.attributeId)))
      );
    case 'notIn':
      return !(
        present &&
        (Array.isArray(v)
          ? v.some((x) => values.includes(x))
          : values.some((x) => same(v, x, f.attributeId)))
      );
    case 'contains':
      return (
        present && (Array.isArray(v) ? v.includes(f.value) : String(v).includes(String(f.value)))
      );
    case 'startsWith':
      return present && String(v).startsWith(String(f.value));
    case 'exists':
      return present === (f.value ?? true);
    case 'greaterThan':
    case 'lessThan': {
      if (!present) return false;
      const right = f.attributeId === 'timeStamp' ? Date.parse(f.value as string) : f.value;
      return f.criteria === 'greaterThan'
        ? (v as number | string) > (right as number | string)
        : (v as number | string) < (right as number | string);
    }
    default:
      throw new Error(`criteria ${f.criteria}`);
  }
}

function matchesFilter(e: WireEvent, g: Filter): boolean {
  const parts = [
    ...(g.filters ?? []).map((f) => holds(e, f)),
    ...[...(g.subFilters ?? []), ...(g.subFilter ? [g.subFilter] : [])].map((s) =>
      matchesFilter(e, s),
    ),
  ];
  const result = g.condition.toLowerCase() === 'and' ? parts.every(Boolean) : parts.some(Boolean);
  return g.negate ? !result : result;
}

/**
 * Every event of `institutionId` a search must return, in the order the API must return them:
 * by time, ties in the order they were ingested (`events` is in ingest order).
 */
export function expectedResults(
  events: WireEvent[],
  institutionId: string,
  body: SearchBody,
): WireEvent[] {
  const start = Date.parse(body.startTime);
  const end = Date.parse(body.endTime);
  const users = body.userId ? [body.userId] : body.userIds;
  const idField = body.userIdType === 'customerId' ? 'customerId' : 'loginId';
  const matched = events
    .map((e, index) => ({ e, index }))
    .filter(({ e }) => {
      const t = Date.parse(e.timeStamp);
      if (e.institutionId !== institutionId || t < start || t >= end) return false;
      if (body.eventIds?.length && !body.eventIds.includes(e.eventId)) return false;
      if (body.userType && e.userType !== body.userType.toLowerCase()) return false;
      if (users?.length && !users.includes(e[idField] as string)) return false;
      if (body.companyIds?.length && !body.companyIds.includes(e.institutionCustomerId ?? ''))
        return false;
      if (body.additionalFilters && !matchesFilter(e, body.additionalFilters)) return false;
      return true;
    });
  matched.sort(
    (a, b) => Date.parse(a.e.timeStamp) - Date.parse(b.e.timeStamp) || a.index - b.index,
  );
  if (body.sortOrder?.toUpperCase() === 'DESC') matched.reverse();
  return matched.map((m) => m.e);
}

export interface SearchAnswer {
  nextPageToken: string | null;
  count: number;
  bankingActivities: Record<string, unknown>[];
}

/** Follows nextPageToken to the end; every page's events, in order. */
export async function allPages(
  p: ActivityPlatform,
  token: string,
  body: SearchBody,
  between?: (page: number) => Promise<void>,
): Promise<{ items: Record<string, unknown>[]; pages: number }> {
  const items: Record<string, unknown>[] = [];
  let next: string | null = null;
  let pages = 0;
  do {
    const res: { status: number; body: SearchAnswer; text: string } = await p.post<SearchAnswer>(
      ACTIVITIES,
      token,
      {
        ...body,
        ...(next ? { nextPageToken: next } : {}),
      },
    );
    if (res.status === 204) break;
    if (res.status !== 200) throw new Error(`search failed: ${res.status} ${res.text}`);
    pages++;
    expect(res.body.count).toBe(res.body.bankingActivities.length);
    items.push(...res.body.bankingActivities);
    next = res.body.nextPageToken;
    if (next && between) await between(pages);
  } while (next);
  return { items, pages };
}

/** An event as the API returns it (every field, then the attributes). */
export function asReturned(e: WireEvent): Record<string, unknown> {
  return {
    guid: e.guid,
    eventId: e.eventId,
    timeStamp: e.timeStamp,
    userType: e.userType,
    loginId: e.loginId,
    customerId: e.customerId ?? null,
    institutionCustomerId: e.institutionCustomerId ?? null,
    accountType: e.accountType ?? null,
    channel: e.channel ?? null,
    ipAddress: e.ipAddress ?? null,
    ...e.attributes,
  };
}

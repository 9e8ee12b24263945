import { isIP } from 'node:net';
import { DAY_MS, escapePointer, isObject, UUID_PATTERN, type FieldError } from '@app/common';
import {
  CHANNELS,
  EVENT_TYPE_BY_ID,
  MAX_ATTRIBUTE_ITEMS,
  MAX_ATTRIBUTE_STRING,
  USER_TYPES,
  type AttributeDefinition,
} from '../catalogue/event-catalogue';
import { ActivityErrors } from '../common/activity.errors';
import { acceptedKeys } from '../common/body-schema';
import { parseInstant } from '../common/instant';
import { BATCH_BODY, BATCH_LIMITS, EVENT_SCHEMA } from './batch.schema';
import { MAX_BATCH_EVENTS } from '../storage/schema';
import type { StoredEvent } from './event.repository';

export interface BatchContext {
  /** The token's institution. */
  institutionId: string;
  /** A platform service token (internal:events:write): events name their own institution. */
  internal: boolean;
  now: number;
  retentionDays: number;
  futureSkewSeconds: number;
}

const INSTITUTION_ID = /^[A-Za-z0-9_-]{1,64}$/;
const PLATFORM_INSTITUTION = 'platform';
/** Field errors listed in one answer; the count in `detail` covers all of them. */
const MAX_REPORTED_ERRORS = 100;

// The members a batch and an event accept are those their schemas document.
const BATCH_KEYS = acceptedKeys(BATCH_BODY);
const EVENT_KEYS = acceptedKeys(EVENT_SCHEMA);

class Problems {
  readonly list: FieldError[] = [];
  total = 0;
  add(pointer: string, detail: string): void {
    this.total++;
    if (this.list.length < MAX_REPORTED_ERRORS) this.list.push({ pointer, detail });
  }
}

/**
 * Checks a batch body against the catalogue, by hand rather than with class-validator: it runs
 * on up to 5,000 events per request on the ingest hot path. The batch is all or nothing, so a
 * producer's outbox never half-delivers; every problem is listed with its JSON pointer.
 */
export function validateBatch(body: unknown, ctx: BatchContext): StoredEvent[] {
  if (!isObject(body)) throw ActivityErrors.unreadableBody();
  const problems = new Problems();
  for (const key of Object.keys(body)) {
    if (!BATCH_KEYS.has(key)) problems.add(`/${escapePointer(key)}`, 'is not a known field');
  }
  const events = body.events;
  if (!Array.isArray(events) || events.length === 0) {
    problems.add('/events', 'must be a non-empty array of events');
    throw ActivityErrors.invalidEvents(problems.list, problems.total);
  }
  if (events.length > MAX_BATCH_EVENTS) {
    problems.add('/events', `must hold at most ${MAX_BATCH_EVENTS} events`);
    throw ActivityErrors.invalidEvents(problems.list, problems.total);
  }
  const oldest = ctx.now - ctx.retentionDays * DAY_MS;
  const newest = ctx.now + ctx.futureSkewSeconds * 1000;
  const out: StoredEvent[] = [];
  for (let i = 0; i < events.length; i++) {
    const stored = validateEvent(events[i], `/events/${i}`, ctx, oldest, newest, problems);
    if (stored) out.push(stored);
  }
  if (problems.total > 0) throw ActivityErrors.invalidEvents(problems.list, problems.total);
  return out;
}

function validateEvent(
  raw: unknown,
  at: string,
  ctx: BatchContext,
  oldest: number,
  newest: number,
  problems: Problems,
): StoredEvent | null {
  if (!isObject(raw)) {
    problems.add(at, 'must be an object');
    return null;
  }
  const before = problems.total;
  for (const key of Object.keys(raw)) {
    if (!EVENT_KEYS.has(key)) problems.add(`${at}/${escapePointer(key)}`, 'is not a known field');
  }

  if (typeof raw.guid !== 'string' || !UUID_PATTERN.test(raw.guid)) {
    problems.add(`${at}/guid`, 'must be a UUID');
  }

  const type = typeof raw.eventId === 'string' ? EVENT_TYPE_BY_ID.get(raw.eventId) : undefined;
  if (!type) problems.add(`${at}/eventId`, 'must be an event type of the catalogue');

  const time = parseInstant(raw.timeStamp);
  if (time === null) {
    problems.add(`${at}/timeStamp`, 'must be an ISO 8601 date-time with a time zone');
  } else if (time < oldest) {
    problems.add(`${at}/timeStamp`, 'is older than the retention period');
  } else if (time > newest) {
    problems.add(`${at}/timeStamp`, 'is in the future');
  }

  const institutionId = institutionOf(raw.institutionId, at, ctx, problems);

  const userType = typeof raw.userType === 'string' ? raw.userType.toLowerCase() : undefined;
  if (!userType || !(USER_TYPES as readonly string[]).includes(userType)) {
    problems.add(`${at}/userType`, 'must be retail or business');
  }
  const loginId = idField(raw.loginId, at, 'loginId', true, problems);
  const customerId = idField(raw.customerId, at, 'customerId', false, problems);
  const company = idField(
    raw.institutionCustomerId,
    at,
    'institutionCustomerId',
    userType === 'business',
    problems,
  );
  if (userType === 'retail' && company !== null) {
    problems.add(`${at}/institutionCustomerId`, 'applies to business users only');
  }
  const accountType = idField(
    raw.accountType,
    at,
    'accountType',
    false,
    problems,
    BATCH_LIMITS.maxAccountTypeLength,
  );
  let channel: string | null = null;
  if (raw.channel !== undefined && raw.channel !== null) {
    if (typeof raw.channel !== 'string' || !(CHANNELS as readonly string[]).includes(raw.channel)) {
      problems.add(`${at}/channel`, `must be one of ${CHANNELS.join(', ')}`);
    } else channel = raw.channel;
  }
  let ipAddress: string | null = null;
  if (raw.ipAddress !== undefined && raw.ipAddress !== null) {
    if (typeof raw.ipAddress !== 'string' || isIP(raw.ipAddress) === 0) {
      problems.add(`${at}/ipAddress`, 'must be an IPv4 or IPv6 address');
    } else ipAddress = raw.ipAddress;
  }

  const attributes = type
    ? validateAttributes(raw.attributes, type.attributes, at, problems)
    : null;

  if (problems.total > before || !type || time === null || !attributes || !loginId) return null;
  return {
    guid: (raw.guid as string).toLowerCase(),
    eventId: type.eventId,
    occurredAt: time,
    institutionId,
    userType: userType!,
    loginId,
    customerId,
    institutionCustomerId: company,
    accountType,
    channel,
    ipAddress,
    attributes,
  };
}

function institutionOf(value: unknown, at: string, ctx: BatchContext, problems: Problems): string {
  const pointer = () => `${at}/institutionId`;
  if (ctx.internal) {
    if (
      typeof value !== 'string' ||
      !INSTITUTION_ID.test(value) ||
      value === PLATFORM_INSTITUTION
    ) {
      problems.add(pointer(), 'must name the institution of the event');
      return '';
    }
    return value;
  }
  if (value !== undefined && value !== null && value !== ctx.institutionId) {
    // Writing for another FI is not a malformed request but a forbidden one.
    throw ActivityErrors.institutionForbidden(pointer());
  }
  return ctx.institutionId;
}

function idField(
  value: unknown,
  at: string,
  field: string,
  required: boolean,
  problems: Problems,
  maxLength = BATCH_LIMITS.maxIdLength,
): string | null {
  if (value === undefined || value === null) {
    if (required) problems.add(`${at}/${field}`, 'is required');
    return null;
  }
  if (typeof value !== 'string' || value.length === 0 || value.length > maxLength) {
    problems.add(`${at}/${field}`, `must be a string of 1 to ${maxLength} characters`);
    return null;
  }
  return value;
}

function validateAttributes(
  raw: unknown,
  definitions: readonly AttributeDefinition[],
  event: string,
  problems: Problems,
): Record<string, unknown> | null {
  const at = `${event}/attributes`;
  if (raw === undefined || raw === null) raw = {};
  if (!isObject(raw)) {
    problems.add(at, 'must be an object');
    return null;
  }
  const out: Record<string, unknown> = {};
  let ok = true;
  let found = 0;
  for (const def of definitions) {
    const value = raw[def.attributeId];
    if (value === undefined || value === null) {
      if (def.required) {
        problems.add(`${at}/${def.attributeId}`, 'is required for this event type');
        ok = false;
      }
      continue;
    }
    found++;
    const problem = attributeProblem(value, def);
    if (problem) {
      problems.add(`${at}/${def.attributeId}`, problem);
      ok = false;
    } else out[def.attributeId] = value;
  }
  // Only when there are more keys than known attributes present is one of them unknown.
  const keys = Object.keys(raw);
  if (keys.length === found) return ok ? out : null;
  const known = knownAttributes(definitions);
  for (const key of keys) {
    if (!known.has(key)) {
      problems.add(`${at}/${escapePointer(key)}`, 'is not an attribute of this event type');
      ok = false;
    }
  }
  return ok ? out : null;
}

const KNOWN_ATTRIBUTES = new WeakMap<readonly AttributeDefinition[], Set<string>>();

function knownAttributes(definitions: readonly AttributeDefinition[]): Set<string> {
  let known = KNOWN_ATTRIBUTES.get(definitions);
  if (!known) {
    known = new Set(definitions.map((d) => d.attributeId));
    KNOWN_ATTRIBUTES.set(definitions, known);
  }
  return known;
}

/** Why a value does not fit its definition, or null when it does. */
export function attributeProblem(value: unknown, def: AttributeDefinition): string | null {
  switch (def.type) {
    case 'string':
      if (typeof value !== 'string' || value.length > MAX_ATTRIBUTE_STRING) {
        return `must be a string of at most ${MAX_ATTRIBUTE_STRING} characters`;
      }
      if (def.enum && !def.enum.includes(value)) return `must be one of ${def.enum.join(', ')}`;
      return null;
    case 'integer':
      return Number.isSafeInteger(value) ? null : 'must be an integer';
    case 'number':
      return typeof value === 'number' && Number.isFinite(value) ? null : 'must be a number';
    case 'boolean':
      return typeof value === 'boolean' ? null : 'must be true or false';
    case 'string[]':
      return Array.isArray(value) &&
        value.length <= MAX_ATTRIBUTE_ITEMS &&
        value.every((v) => typeof v === 'string' && v.length <= MAX_ATTRIBUTE_STRING)
        ? null
        : `must be an array of at most ${MAX_ATTRIBUTE_ITEMS} strings`;
  }
}

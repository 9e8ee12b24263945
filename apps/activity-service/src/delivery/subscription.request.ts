import { DomainError, escapePointer, isObject, type FieldError } from '@app/common';
import { ActivityErrors } from '../common/activity.errors';
import { parseSearchRequest } from '../search/search.query';
import type {
  Cadence,
  Destination,
  FileFormat,
  SubscriptionFilter,
  SubscriptionStatus,
} from './delivery.ports';
import { webhookUrlProblem } from './target-guard';

const FILTER_KEYS = new Set([
  'eventIds',
  'userType',
  'userIdType',
  'userIds',
  'userId',
  'companyIds',
  'additionalFilters',
]);
const CREATE_KEYS = new Set([
  'name',
  'cadence',
  'timeZone',
  'filter',
  'requestedAttributes',
  'format',
  'destination',
]);
const PATCH_KEYS = new Set(['name', 'filter', 'destination', 'status']);
const CADENCES: readonly Cadence[] = ['realtime', 'hourly', 'daily'];

export interface CreateSubscriptionInput {
  name: string;
  cadence: Cadence;
  timeZone: string;
  filter: SubscriptionFilter;
  requestedAttributes: string[] | null;
  format: FileFormat;
  destination: Destination;
}

export interface PatchSubscriptionInput {
  name?: string;
  filter?: SubscriptionFilter;
  destination?: Destination;
  status?: SubscriptionStatus;
}

/**
 * The subscription's filter with the search's own parser, so it accepts exactly the search
 * language and answers with its codes (BAS_10005, BAS_10008, BAS_10009, BAS_10010), pointers
 * under /filter.
 */
export function parseSubscriptionFilter(
  raw: unknown,
  requestedAttributes: unknown,
): { filter: SubscriptionFilter; requestedAttributes: string[] | null } {
  if (raw !== undefined && raw !== null && !isObject(raw))
    throw ActivityErrors.invalidArguments([{ pointer: '/filter', detail: 'must be an object' }]);
  const body = (raw ?? {}) as Record<string, unknown>;
  const errors: FieldError[] = [];
  for (const key of Object.keys(body))
    if (!FILTER_KEYS.has(key))
      errors.push({ pointer: `/filter/${escapePointer(key)}`, detail: 'is not a known field' });
  if (errors.length) throw ActivityErrors.invalidArguments(errors);
  try {
    const q = parseSearchRequest(
      {
        ...body,
        ...(requestedAttributes !== undefined ? { requestedAttributes } : {}),
        startTime: '2000-01-01T00:00:00Z',
        endTime: '2000-01-01T00:00:01Z',
      },
      { institutionId: '', now: Date.now(), maxLookbackDays: 1, mode: 'export' },
    );
    return {
      filter: {
        eventIds: q.eventIds,
        userType: q.userType,
        userIdType: q.userIdType,
        userIds: q.userIds,
        companyIds: q.companyIds,
        additionalFilters: q.filter,
      },
      requestedAttributes: q.requestedAttributes,
    };
  } catch (err) {
    if (!(err instanceof DomainError)) throw err;
    const prefixed = (err.options.errors ?? []).map((e) => ({
      ...e,
      pointer:
        e.pointer === '/requestedAttributes' || e.pointer.startsWith('/requestedAttributes/')
          ? e.pointer
          : `/filter${e.pointer}`,
    }));
    throw new DomainError(err.code, err.kind, err.detail, { ...err.options, errors: prefixed });
  }
}

export function isTimeZone(zone: string): boolean {
  try {
    new Intl.DateTimeFormat('en-US', { timeZone: zone });
    return zone.length <= 64;
  } catch {
    return false;
  }
}

const text = (v: unknown, max: number) =>
  typeof v === 'string' && v.trim().length > 0 && v.length <= max;

/** A destination; `allowPrivate`: sandbox mode (http and loopback webhooks). */
export function parseDestination(
  raw: unknown,
  allowPrivate: boolean,
  errors: FieldError[],
): Destination | null {
  const at = '/destination';
  if (!isObject(raw)) {
    errors.push({ pointer: at, detail: 'is required: {type: "webhook" | "sftp" | "pull", ...}' });
    return null;
  }
  const known = (keys: string[]) => {
    for (const k of Object.keys(raw))
      if (!keys.includes(k))
        errors.push({ pointer: `${at}/${escapePointer(k)}`, detail: 'is not a known field' });
  };
  if (raw.type === 'webhook') {
    known(['type', 'url']);
    const problem =
      typeof raw.url === 'string' ? webhookUrlProblem(raw.url, allowPrivate) : 'is required';
    if (problem) {
      errors.push({ pointer: `${at}/url`, detail: problem });
      return null;
    }
    return { type: 'webhook', url: raw.url as string };
  }
  if (raw.type === 'pull') {
    known(['type']);
    return { type: 'pull' };
  }
  if (raw.type === 'sftp') {
    known([
      'type',
      'host',
      'port',
      'username',
      'password',
      'privateKey',
      'directory',
      'hostKeySha256',
    ]);
    const before = errors.length;
    if (!text(raw.host, 253) || !/^[A-Za-z0-9.\-:[\]]+$/.test(raw.host as string))
      errors.push({ pointer: `${at}/host`, detail: 'must be a host name or address' });
    const port = raw.port ?? 22;
    if (!Number.isInteger(port) || (port as number) < 1 || (port as number) > 65535)
      errors.push({ pointer: `${at}/port`, detail: 'must be an integer from 1 to 65535' });
    if (!text(raw.username, 256)) errors.push({ pointer: `${at}/username`, detail: 'is required' });
    if ((raw.password === undefined) === (raw.privateKey === undefined))
      errors.push({
        pointer: `${at}/password`,
        detail: 'give password or privateKey (one of them)',
      });
    if (raw.password !== undefined && !text(raw.password, 1024))
      errors.push({ pointer: `${at}/password`, detail: 'must be a string' });
    if (raw.privateKey !== undefined && !text(raw.privateKey, 16_384))
      errors.push({ pointer: `${at}/privateKey`, detail: 'must be a PEM or OpenSSH private key' });
    if (!text(raw.directory, 1024) || !(raw.directory as string).startsWith('/'))
      errors.push({ pointer: `${at}/directory`, detail: 'must be an absolute path' });
    if (
      typeof raw.hostKeySha256 !== 'string' ||
      !/^(SHA256:)?([A-Za-z0-9+/]{43}=?|[0-9a-fA-F]{64})$/.test(raw.hostKeySha256)
    )
      errors.push({
        pointer: `${at}/hostKeySha256`,
        detail: 'must be the SHA-256 fingerprint of the host key (base64 or hex)',
      });
    if (errors.length > before) return null;
    return {
      type: 'sftp',
      host: raw.host as string,
      port: port as number,
      username: raw.username as string,
      ...(raw.password !== undefined ? { password: raw.password as string } : {}),
      ...(raw.privateKey !== undefined ? { privateKey: raw.privateKey as string } : {}),
      directory: raw.directory as string,
      hostKeySha256: raw.hostKeySha256 as string,
    };
  }
  errors.push({ pointer: `${at}/type`, detail: 'must be webhook, sftp or pull' });
  return null;
}

export function parseCreate(body: unknown, allowPrivate: boolean): CreateSubscriptionInput {
  if (!isObject(body)) throw ActivityErrors.unreadableBody();
  const errors: FieldError[] = [];
  for (const key of Object.keys(body))
    if (!CREATE_KEYS.has(key))
      errors.push({ pointer: `/${escapePointer(key)}`, detail: 'is not a known field' });
  if (!text(body.name, 200))
    errors.push({ pointer: '/name', detail: 'is required: 1 to 200 characters' });
  const cadence = body.cadence as Cadence;
  if (!CADENCES.includes(cadence))
    errors.push({ pointer: '/cadence', detail: 'must be realtime, hourly or daily' });
  const timeZone = body.timeZone ?? 'UTC';
  if (typeof timeZone !== 'string' || !isTimeZone(timeZone))
    errors.push({ pointer: '/timeZone', detail: 'must be an IANA time zone, e.g. Europe/Paris' });
  const format = body.format ?? 'ndjson';
  if (format !== 'ndjson' && format !== 'csv')
    errors.push({ pointer: '/format', detail: 'must be ndjson or csv' });
  const destination = parseDestination(body.destination, allowPrivate, errors);
  if (destination && cadence === 'realtime' && destination.type !== 'webhook')
    errors.push({ pointer: '/destination/type', detail: 'realtime delivery needs a webhook' });
  if (errors.length) throw ActivityErrors.invalidArguments(errors);
  const parsed = parseSubscriptionFilter(body.filter, body.requestedAttributes);
  return {
    name: (body.name as string).trim(),
    cadence,
    timeZone: timeZone as string,
    filter: parsed.filter,
    requestedAttributes: parsed.requestedAttributes,
    format: format as FileFormat,
    destination: destination!,
  };
}

export function parsePatch(
  body: unknown,
  cadence: Cadence,
  allowPrivate: boolean,
): PatchSubscriptionInput {
  if (!isObject(body)) throw ActivityErrors.unreadableBody();
  const errors: FieldError[] = [];
  for (const key of Object.keys(body))
    if (!PATCH_KEYS.has(key))
      errors.push({ pointer: `/${escapePointer(key)}`, detail: 'is not a known field' });
  const out: PatchSubscriptionInput = {};
  if (body.name !== undefined) {
    if (!text(body.name, 200))
      errors.push({ pointer: '/name', detail: 'must be 1 to 200 characters' });
    else out.name = (body.name as string).trim();
  }
  if (body.status !== undefined) {
    if (body.status !== 'active' && body.status !== 'paused')
      errors.push({ pointer: '/status', detail: 'must be active or paused' });
    else out.status = body.status;
  }
  if (body.destination !== undefined) {
    const d = parseDestination(body.destination, allowPrivate, errors);
    if (d && cadence === 'realtime' && d.type !== 'webhook')
      errors.push({ pointer: '/destination/type', detail: 'realtime delivery needs a webhook' });
    if (d) out.destination = d;
  }
  if (errors.length) throw ActivityErrors.invalidArguments(errors);
  if (body.filter !== undefined)
    out.filter = parseSubscriptionFilter(body.filter, undefined).filter;
  return out;
}

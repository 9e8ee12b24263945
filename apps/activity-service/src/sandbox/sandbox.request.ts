import type { FieldError } from '@app/common';
import { ActivityErrors } from '../common/activity.errors';

export const DEFAULT_SEED_EVENTS = 5000;
export const MAX_SEED_EVENTS = 100_000;
export const DEFAULT_SEED_DAYS = 7;
/** Well inside the search's look-back window (ACTIVITY_MAX_LOOKBACK_DAYS, at least 1 and 93 by default). */
export const MAX_SEED_DAYS = 30;

export interface SeedRequest {
  events: number;
  days: number;
}

/**
 * The optional body of a seed: `{events?, days?}`, integers (1 to 100,000 events, 1 to 30
 * days); no body, or an empty one, takes the defaults. 400 BAS_10005 otherwise, with a pointer
 * per problem.
 */
export function parseSeedRequest(body: unknown): SeedRequest {
  if (body === undefined || body === null)
    return { events: DEFAULT_SEED_EVENTS, days: DEFAULT_SEED_DAYS };
  if (typeof body !== 'object' || Array.isArray(body))
    throw ActivityErrors.unreadableBody('The request body must be a JSON object.');
  const errors: FieldError[] = [];
  const record = body as Record<string, unknown>;
  for (const key of Object.keys(record))
    if (key !== 'events' && key !== 'days')
      errors.push({
        pointer: `/${key.replace(/~/g, '~0').replace(/\//g, '~1')}`,
        detail: 'is not a known field',
      });
  const integer = (name: 'events' | 'days', fallback: number, max: number): number => {
    const value = record[name];
    if (value === undefined) return fallback;
    if (typeof value !== 'number' || !Number.isInteger(value) || value < 1 || value > max) {
      errors.push({ pointer: `/${name}`, detail: `must be an integer from 1 to ${max}` });
      return fallback;
    }
    return value;
  };
  const request = {
    events: integer('events', DEFAULT_SEED_EVENTS, MAX_SEED_EVENTS),
    days: integer('days', DEFAULT_SEED_DAYS, MAX_SEED_DAYS),
  };
  if (errors.length > 0) throw ActivityErrors.invalidArguments(errors);
  return request;
}

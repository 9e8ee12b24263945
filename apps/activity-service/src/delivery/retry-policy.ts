/**
 * When to try a failed delivery again: immediately, 5 s, 5 min, 30 min, 2 h, 5 h, 10 h, then
 * every 10 h (over three days in all before the 5-day pause), each delay times `scale`
 * (DELIVERY_BACKOFF_SCALE) with ±10 % jitter so that receivers coming back are not hit by
 * every subscription at once. A `Retry-After` (429, 503) replaces the schedule's delay, up to a
 * day.
 */
export const RETRY_SCHEDULE_MS = [
  0,
  5_000,
  5 * 60_000,
  30 * 60_000,
  2 * 3_600_000,
  5 * 3_600_000,
  10 * 3_600_000,
];

const MAX_RETRY_AFTER_MS = 86_400_000;

/** The delay before the next attempt, after `failedAttempts` failed ones (1 = the first). */
export function retryDelayMs(
  failedAttempts: number,
  scale: number,
  random: () => number = Math.random,
  retryAfterMs: number | null = null,
): number {
  if (retryAfterMs !== null) return Math.min(retryAfterMs, MAX_RETRY_AFTER_MS);
  const base =
    RETRY_SCHEDULE_MS[Math.min(failedAttempts - 1, RETRY_SCHEDULE_MS.length - 1)]! * scale;
  const jitter = 1 + (random() * 2 - 1) * 0.1;
  return Math.round(base * jitter);
}

/** Retry-After as milliseconds (delta-seconds or an HTTP date), or null. */
export function parseRetryAfter(value: string | undefined, now: number): number | null {
  if (!value) return null;
  const trimmed = value.trim();
  if (/^\d+$/.test(trimmed)) return Number(trimmed) * 1000;
  const at = Date.parse(trimmed);
  return Number.isNaN(at) ? null : Math.max(0, at - now);
}

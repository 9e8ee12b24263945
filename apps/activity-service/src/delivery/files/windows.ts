/*
 * Delivery windows of hourly and daily subscriptions, by commit time, in an IANA zone. Pure
 * functions over Intl (no Temporal, no library): a window is [start, end), start inclusive.
 *
 * - daily: from the first instant of a local date to the first instant of the next one. Across
 *   a DST change a day lasts 23 or 25 hours; where a zone skips midnight (a gap at 00:00) the
 *   day starts when the clocks jump.
 * - hourly: between consecutive instants where the local clock shows minute 0, second 0. For a
 *   zone on whole-hour offsets (UTC, the default, included) that is every UTC hour; in a zone
 *   on a :30 offset (Asia/Kolkata) hours end at :30 UTC; the repeated hour of a fall-back is
 *   two windows of one hour each.
 */

export type FileCadence = 'hourly' | 'daily';

export interface Window {
  start: Date;
  end: Date;
}

const MINUTE = 60_000;
const HOUR = 3_600_000;
const DAY = 86_400_000;

interface WallParts {
  year: number;
  month: number;
  day: number;
  hour: number;
  minute: number;
  second: number;
}

const formats = new Map<string, Intl.DateTimeFormat>();

function formatFor(timeZone: string): Intl.DateTimeFormat {
  let f = formats.get(timeZone);
  if (!f) {
    f = new Intl.DateTimeFormat('en-US', {
      timeZone,
      hourCycle: 'h23',
      year: 'numeric',
      month: 'numeric',
      day: 'numeric',
      hour: 'numeric',
      minute: 'numeric',
      second: 'numeric',
      era: 'short',
    });
    formats.set(timeZone, f);
  }
  return f;
}

/** Whether `timeZone` is an IANA zone this runtime knows. */
export function isTimeZone(timeZone: unknown): timeZone is string {
  if (typeof timeZone !== 'string' || !timeZone || timeZone.length > 64) return false;
  try {
    formatFor(timeZone);
    return true;
  } catch {
    return false;
  }
}

/** The local wall clock of instant `t` (ms) in `timeZone`. */
export function wallClock(t: number, timeZone: string): WallParts {
  const out: Record<string, number> = {};
  let bc = false;
  for (const p of formatFor(timeZone).formatToParts(new Date(t))) {
    if (p.type === 'era') bc = p.value.startsWith('B');
    else if (p.type !== 'literal') out[p.type] = Number(p.value);
  }
  return {
    year: bc ? 1 - out.year! : out.year!,
    month: out.month!,
    day: out.day!,
    hour: out.hour!,
    minute: out.minute!,
    second: out.second!,
  };
}

/** The wall clock of `t` written as if it were UTC, in ms (sub-second part kept). */
function wallMs(t: number, timeZone: string): number {
  const w = wallClock(t, timeZone);
  const base = Date.UTC(w.year, w.month - 1, w.day, w.hour, w.minute, w.second);
  return base + (((t % 1000) + 1000) % 1000);
}

/** The zone's offset from UTC at `t`, in ms (local = UTC + offset). */
export function offsetAt(t: number, timeZone: string): number {
  return wallMs(t, timeZone) - t;
}

/** Start of the local date `wall` (midnight written as UTC ms): its first instant. */
function firstInstantOfDay(wall: number, timeZone: string): number {
  const before = offsetAt(wall - DAY, timeZone);
  const after = offsetAt(wall + DAY, timeZone);
  const candidates = [...new Set([wall - before, wall - after])]
    .filter((t) => wallMs(t, timeZone) === wall)
    .sort((a, b) => a - b);
  if (candidates.length) return candidates[0]!;
  // Midnight falls in a gap: the day begins when the clocks jump over it. Find that instant
  // between the two candidates (the wall date changes once in between).
  let lo = Math.min(wall - before, wall - after);
  let hi = Math.max(wall - before, wall - after);
  while (hi - lo > 1) {
    const mid = Math.floor((lo + hi) / 2);
    if (wallMs(mid, timeZone) >= wall) hi = mid;
    else lo = mid;
  }
  return hi;
}

function startOfDay(t: number, timeZone: string): number {
  const w = wallClock(t, timeZone);
  return firstInstantOfDay(Date.UTC(w.year, w.month - 1, w.day), timeZone);
}

function startOfNextDay(start: number, timeZone: string): number {
  // Noon of the window's date is safely inside it whatever the zone does around midnight.
  const w = wallClock(start + 12 * HOUR, timeZone);
  return firstInstantOfDay(Date.UTC(w.year, w.month - 1, w.day + 1), timeZone);
}

function isHourMark(t: number, timeZone: string): boolean {
  if (t % 1000 !== 0) return false;
  const w = wallClock(t, timeZone);
  return w.minute === 0 && w.second === 0;
}

/** The last instant ≤ t at which the local clock shows hh:00:00. */
function startOfHour(t: number, timeZone: string): number {
  let c = t;
  for (let i = 0; i < 8 && !isHourMark(c, timeZone); i++) {
    const w = wallClock(c, timeZone);
    const into = w.minute * MINUTE + w.second * 1000 + (((c % 1000) + 1000) % 1000);
    // At least one ms back, so a non-mark never repeats.
    c -= Math.max(into, 1);
  }
  return c;
}

/** The first instant > start at which the local clock shows hh:00:00. */
function startOfNextHour(start: number, timeZone: string): number {
  // Local hours last 30 to 90 minutes across any offset change zones use.
  for (let probe = start + HOUR; probe <= start + 3 * HOUR; probe += 30 * MINUTE) {
    const s = startOfHour(probe, timeZone);
    if (s > start) return s;
  }
  return start + HOUR;
}

/** The window of `cadence` in `timeZone` that contains instant `at`. */
export function windowContaining(cadence: FileCadence, timeZone: string, at: Date): Window {
  const t = at.getTime();
  if (cadence === 'daily') {
    const start = startOfDay(t, timeZone);
    return { start: new Date(start), end: new Date(startOfNextDay(start, timeZone)) };
  }
  const start = startOfHour(t, timeZone);
  return { start: new Date(start), end: new Date(startOfNextHour(start, timeZone)) };
}

/** The window right after `window`. */
export function windowAfter(cadence: FileCadence, timeZone: string, window: Window): Window {
  return windowContaining(cadence, timeZone, window.end);
}

/**
 * Whether a window may be delivered at `now`: it has ended, and `settleMs` more have passed so
 * that batches sequenced before its end have committed (a later one goes into the next file).
 */
export function isSettled(window: Window, now: Date, settleMs: number): boolean {
  return now.getTime() >= window.end.getTime() + settleMs;
}

/**
 * The windows after `last` (null: from the one containing `from`) that are deliverable at
 * `now`, oldest first, at most `max`.
 */
export function settledWindowsAfter(
  cadence: FileCadence,
  timeZone: string,
  last: Window | null,
  from: Date,
  now: Date,
  settleMs: number,
  max = 48,
): Window[] {
  const out: Window[] = [];
  let w = last ? windowAfter(cadence, timeZone, last) : windowContaining(cadence, timeZone, from);
  while (out.length < max && isSettled(w, now, settleMs)) {
    out.push(w);
    w = windowAfter(cadence, timeZone, w);
  }
  return out;
}

/** `YYYY/MM/DD` of the window's start in its zone (the SFTP folder). */
export function localDateFolder(start: Date, timeZone: string): string {
  const w = wallClock(start.getTime(), timeZone);
  const p = (n: number, l = 2) => String(n).padStart(l, '0');
  return `${p(w.year, 4)}/${p(w.month)}/${p(w.day)}`;
}

/** `YYYYMMDDTHHmm±hhmm`: the window's local start with its offset (unique across fall-backs). */
export function localStamp(start: Date, timeZone: string): string {
  const t = start.getTime();
  const w = wallClock(t, timeZone);
  const p = (n: number, l = 2) => String(n).padStart(l, '0');
  const off = Math.round(offsetAt(t, timeZone) / MINUTE);
  const sign = off < 0 ? '-' : '+';
  const abs = Math.abs(off);
  return `${p(w.year, 4)}${p(w.month)}${p(w.day)}T${p(w.hour)}${p(w.minute)}${sign}${p(Math.floor(abs / 60))}${p(abs % 60)}`;
}

import { dictionary } from '@zxcvbn-ts/language-common';

/**
 * NIST SP 800-63B-4 §3.1.1.2 for passwords people choose (the customer-service's customers, the
 * developer portal's developers): a minimum length (15, or 8 where a second factor is added)
 * counted in Unicode code points after NFKC, at least 64 allowed, any printable character and
 * spaces, no composition rules, and a blocklist of common and breached passwords plus context
 * words (the loginId, the person's name).
 */
export const PASSWORD_MAX = 128;

/** NIST SP 800-63B-4 §3.1.1.2: 15 for a single factor, 8 when the password is one of two. */
export const PASSWORD_FLOOR = 8;

const codePoints = (s: string): number => [...s].length;

/** Parts of a name shorter than this are too common as substrings to refuse ("Al", "Li"). */
const MIN_NAME_PART = 3;

export interface PasswordContext {
  minLength: number;
  loginId?: unknown;
  names?: unknown[];
  /** How the problems name the context words; the customers' wording by default. */
  labels?: { loginId?: string; name?: string };
}

/** NIST asks for NFKC (or NFKD) before hashing, so é typed either way is the same password. */
export const normalizePassword = (password: string): string => password.normalize('NFKC');

/** Case-, accent- and width-insensitive form used for comparisons. */
const fold = (s: string): string => s.normalize('NFKD').replace(/\p{M}/gu, '').toLowerCase();

let blocklist: ReadonlySet<string> | undefined;

/** zxcvbn-ts's list of ~49,000 common and breached passwords, shipped with the package. */
function commonPasswords(): ReadonlySet<string> {
  blocklist ??= new Set(dictionary['passwords-common'].map(fold));
  return blocklist;
}

const DIGITS = '0123456789';

/** `aaaaaaaa`, `abcabcabc`, `123456789`, `987654321`, `abcdefgh`. */
function isRepetitiveOrSequential(s: string): boolean {
  const chars = [...s];
  if (chars.length < 2) return false;
  if (/^(.{1,4})\1+$/u.test(s)) return true;
  const step = (a: string, b: string): number => {
    if (DIGITS.includes(a) && DIGITS.includes(b)) {
      const d = (Number(b) - Number(a) + 10) % 10;
      return d === 1 ? 1 : d === 9 ? -1 : 0;
    }
    return b.codePointAt(0)! - a.codePointAt(0)!;
  };
  const first = step(chars[0]!, chars[1]!);
  if (Math.abs(first) !== 1) return false;
  return chars.every((c, i) => i === 0 || step(chars[i - 1]!, c) === first);
}

function nameParts(names: unknown[]): string[] {
  const parts = new Set<string>();
  for (const name of names) {
    if (typeof name !== 'string') continue;
    const folded = fold(name);
    for (const part of folded.split(/[\s'.-]+/)) {
      if (codePoints(part) >= MIN_NAME_PART) parts.add(part);
    }
  }
  return [...parts];
}

/** Everything wrong with a password, in words fit for a field error; empty when acceptable. */
export function passwordProblems(password: unknown, ctx: PasswordContext): string[] {
  if (typeof password !== 'string') return ['must be a string'];
  const normalized = normalizePassword(password);
  const length = codePoints(normalized);
  const problems: string[] = [];
  const minLength = Math.max(PASSWORD_FLOOR, ctx.minLength);
  if (length < minLength) problems.push(`must be at least ${minLength} characters`);
  if (length > PASSWORD_MAX) problems.push(`must be at most ${PASSWORD_MAX} characters`);
  if (/\p{Cc}/u.test(normalized)) problems.push('must not contain control characters');

  const folded = fold(normalized);
  const compact = folded.replace(/\s+/g, '');
  if (commonPasswords().has(folded) || commonPasswords().has(compact))
    problems.push('is a commonly used or breached password');
  else if (isRepetitiveOrSequential(compact)) problems.push('is a repeated or sequential pattern');

  if (
    typeof ctx.loginId === 'string' &&
    ctx.loginId.length > 0 &&
    folded.includes(fold(ctx.loginId))
  )
    problems.push(`must not contain ${ctx.labels?.loginId ?? 'the loginId'}`);
  if (nameParts(ctx.names ?? []).some((part) => folded.includes(part)))
    problems.push(`must not contain ${ctx.labels?.name ?? "the customer's name"}`);
  return problems;
}

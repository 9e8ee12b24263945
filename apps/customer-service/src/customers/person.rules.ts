import { parsePhoneNumberFromString, type CountryCode } from 'libphonenumber-js/max';

/** Rules for a person's data, as pure functions: each returns a problem or undefined. */

export const NAME_MAX = 39;
export const ADULT_AGE = 18;
const OLDEST_YEAR = 1900;

export const codePoints = (s: string): number => [...s].length;

const NAME = /^[\p{L}\p{M}](?:[\p{L}\p{M}' .-]*[\p{L}\p{M}.])?$/u;

/**
 * Controls and invisible format characters (bidirectional overrides, embeddings and isolates,
 * direction marks, zero-width spaces, BOM, line separators): kept text would display otherwise
 * than it reads (a spoofed name or address on a statement). ZWNJ and ZWJ stay: Persian and Indic
 * spellings and emoji sequences need them.
 */
const INVISIBLE = /(?![\u200c\u200d])[\p{Cc}\p{Cf}\p{Zl}\p{Zp}]/u;

export function invisibleCharacterProblem(value: unknown): string | undefined {
  return typeof value === 'string' && INVISIBLE.test(value)
    ? 'must not contain control or invisible formatting characters (such as bidirectional overrides)'
    : undefined;
}

export function nameProblem(value: unknown): string | undefined {
  if (typeof value !== 'string') return 'must be a string';
  const length = codePoints(value);
  if (length < 1 || length > NAME_MAX) return `must be 1 to ${NAME_MAX} characters`;
  if (!NAME.test(value)) return 'must be letters, spaces, hyphens, apostrophes or periods';
  return undefined;
}

/** `YYYY-MM-DD`, a real calendar day, in the past, of an adult, and plausible. */
export function birthDateProblem(value: unknown, today = new Date()): string | undefined {
  if (typeof value !== 'string' || !/^\d{4}-\d{2}-\d{2}$/.test(value))
    return 'must be a date written YYYY-MM-DD';
  const [y, m, d] = value.split('-').map(Number) as [number, number, number];
  const date = new Date(Date.UTC(y, m - 1, d));
  if (date.getUTCFullYear() !== y || date.getUTCMonth() !== m - 1 || date.getUTCDate() !== d)
    return 'is not a real date';
  const todayUtc = Date.UTC(today.getUTCFullYear(), today.getUTCMonth(), today.getUTCDate());
  if (date.getTime() >= todayUtc) return 'must be in the past';
  if (y < OLDEST_YEAR) return `must be after ${OLDEST_YEAR}`;
  const adultOn = Date.UTC(y + ADULT_AGE, m - 1, d);
  // Someone born on 29 February comes of age on 1 March in common years (Date.UTC rolls over).
  if (adultOn > todayUtc) return `the customer must be at least ${ADULT_AGE} years old`;
  return undefined;
}

/** Accepts `123456789` or `123-45-6789`; returns the 9 digits or undefined. */
export function normalizeSsn(value: unknown): string | undefined {
  if (typeof value !== 'string') return undefined;
  const match = /^(\d{3})-?(\d{2})-?(\d{4})$/.exec(value);
  return match ? `${match[1]}${match[2]}${match[3]}` : undefined;
}

// Numbers published in advertising and by the SSA as examples: never a real person's.
const KNOWN_INVALID_SSNS = new Set(['078051120', '219099999', '123456789']);

/** The SSA's rules for numbers that are never issued. */
export function ssnProblem(value: unknown): string | undefined {
  const ssn = normalizeSsn(value);
  if (!ssn) return 'must be 9 digits (123456789 or 123-45-6789)';
  const area = ssn.slice(0, 3);
  if (area === '000' || area === '666' || area >= '900')
    return 'is not a possible SSN (area number never issued)';
  if (ssn.slice(3, 5) === '00') return 'is not a possible SSN (group number 00)';
  if (ssn.slice(5) === '0000') return 'is not a possible SSN (serial number 0000)';
  if (KNOWN_INVALID_SSNS.has(ssn)) return 'is not a possible SSN (a published example number)';
  return undefined;
}

const isCountryCode = (c: unknown): c is CountryCode =>
  typeof c === 'string' && /^[A-Z]{2}$/.test(c);

/** E.164 for a number written in any usual way; national numbers read in `country` (default US). */
export function normalizePhone(value: unknown, country?: unknown): string | undefined {
  if (typeof value !== 'string' || value.length > 40) return undefined;
  const phone = parsePhoneNumberFromString(value, isCountryCode(country) ? country : 'US');
  return phone?.isValid() ? phone.number : undefined;
}

/** USPS codes: states, DC, territories and military post offices. */
export const US_STATES = new Set(
  (
    'AL AK AZ AR CA CO CT DE DC FL GA HI ID IL IN IA KS KY LA ME MD MA MI MN MS MO MT NE NV NH NJ ' +
    'NM NY NC ND OH OK OR PA RI SC SD TN TX UT VT VA WA WV WI WY AS GU MP PR VI UM AA AE AP'
  ).split(' '),
);

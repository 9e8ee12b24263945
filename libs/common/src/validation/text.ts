import type { FieldError } from '../errors/domain-error';

/**
 * Text PostgreSQL cannot keep: U+0000 (refused by `text`, and as `\u0000` by `jsonb`) and UTF-16
 * surrogates without their pair (not Unicode scalar values: `jsonb` refuses them, `text` gets
 * U+FFFD in their place). Checked on every string a client sends, before anything reads it.
 */
// eslint-disable-next-line no-control-regex -- finding NUL is the point
const SUSPECT = /[\u0000\ud800-\udfff]/;
const LONE_SURROGATE = /[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/;

export const UNSAFE_TEXT_DETAIL = 'must not contain NUL characters or unpaired UTF-16 surrogates';

/** Why `s` cannot be accepted as text, or undefined. Well-formed non-ASCII text passes. */
export function unsafeTextProblem(s: string): string | undefined {
  // Nearly every string has neither: one cheap scan decides.
  if (!SUSPECT.test(s)) return undefined;
  return s.includes('\u0000') || LONE_SURROGATE.test(s) ? UNSAFE_TEXT_DETAIL : undefined;
}

const escapeSegment = (segment: string): string => segment.replace(/~/g, '~0').replace(/\//g, '~1');

/** Field errors listed in one answer at most; a hostile body can hold thousands. */
export const MAX_TEXT_ERRORS = 20;

/** The common case, cheaply: no pointers built, nothing allocated but the stack. */
function hasUnsafeText(value: unknown): boolean {
  const stack: unknown[] = [value];
  while (stack.length > 0) {
    const item = stack.pop();
    if (typeof item === 'string') {
      if (unsafeTextProblem(item)) return true;
    } else if (Array.isArray(item)) {
      for (const member of item) stack.push(member);
    } else if (typeof item === 'object' && item !== null) {
      for (const key in item) {
        if (!Object.hasOwn(item, key)) continue;
        if (unsafeTextProblem(key)) return true;
        stack.push((item as Record<string, unknown>)[key]);
      }
    }
  }
  return false;
}

/**
 * Every string in `value` (member names included) that `unsafeTextProblem` refuses, with its JSON
 * pointer below `prefix`. Walks with its own stack, so no nesting depth can overflow it.
 */
export function findUnsafeText(value: unknown, prefix = '', out: FieldError[] = []): FieldError[] {
  if (!hasUnsafeText(value)) return out;
  const stack: [unknown, string][] = [[value, prefix]];
  while (stack.length > 0 && out.length < MAX_TEXT_ERRORS) {
    const [item, pointer] = stack.pop()!;
    if (typeof item === 'string') {
      const problem = unsafeTextProblem(item);
      if (problem) out.push({ pointer, detail: problem });
    } else if (Array.isArray(item)) {
      for (let i = item.length - 1; i >= 0; i--) stack.push([item[i], `${pointer}/${i}`]);
    } else if (typeof item === 'object' && item !== null) {
      const entries = Object.entries(item);
      for (let i = entries.length - 1; i >= 0; i--) {
        const [key, member] = entries[i]!;
        const at = `${pointer}/${escapeSegment(key)}`;
        const keyProblem = unsafeTextProblem(key);
        if (keyProblem) out.push({ pointer: at, detail: `its name ${keyProblem}` });
        else stack.push([member, at]);
      }
    }
  }
  return out;
}

export const UNDECODABLE_DETAIL = 'must be valid UTF-8 once percent-decoded';

const decodes = (component: string): boolean => {
  if (!component.includes('%')) return true;
  try {
    decodeURIComponent(component.replace(/\+/g, ' '));
    return true;
  } catch {
    return false;
  }
};

/**
 * Percent-escapes in a raw request URL that do not decode to UTF-8 (e.g. `%ED%A0%80`, a lone
 * surrogate's bytes): the routers and query parsers would otherwise fail (a 500) or keep or
 * replace them silently. Pointers: `path` and `query/<name>`.
 */
export function findUndecodableUrl(url: string, out: FieldError[] = []): FieldError[] {
  if (!url.includes('%')) return out;
  const mark = url.indexOf('?');
  const path = mark === -1 ? url : url.slice(0, mark);
  if (!path.split('/').every(decodes)) out.push({ pointer: 'path', detail: UNDECODABLE_DETAIL });
  if (mark === -1) return out;
  for (const pair of url.slice(mark + 1).split('&')) {
    const eq = pair.indexOf('=');
    const name = eq === -1 ? pair : pair.slice(0, eq);
    if (!decodes(pair.slice(eq + 1)) || !decodes(name)) {
      const readable = decodes(name) ? decodeURIComponent(name.replace(/\+/g, ' ')) : name;
      out.push({ pointer: `query/${escapeSegment(readable)}`, detail: UNDECODABLE_DETAIL });
    }
  }
  return out;
}

/**
 * The deepest nesting of arrays and objects a JSON body may have. Every contract body stays well
 * below it (a Banking Activity filter tree at its 5 levels is about 14); deeper bodies only serve
 * to make recursive code (class-transformer, validators) overflow its stack or stall the event loop.
 */
export const MAX_JSON_DEPTH = 32;

export const JSON_TOO_DEEP_DETAIL = `The request body nests arrays and objects deeper than ${MAX_JSON_DEPTH} levels.`;

const QUOTE = 0x22;
const BACKSLASH = 0x5c;
const OPEN_ARRAY = 0x5b;
const CLOSE_ARRAY = 0x5d;
const OPEN_OBJECT = 0x7b;
const CLOSE_OBJECT = 0x7d;

/**
 * Whether JSON `text` nests deeper than `maxDepth`, in one pass before it is parsed: brackets are
 * counted outside strings. UTF-8 bytes or UTF-16 code units alike, since the characters it looks
 * for are ASCII and never part of a multi-byte sequence. Malformed text is left to the parser.
 */
export function jsonNestsDeeperThan(text: Uint8Array | string, maxDepth = MAX_JSON_DEPTH): boolean {
  const bytes = typeof text !== 'string';
  const length = text.length;
  let depth = 0;
  for (let i = 0; i < length; i++) {
    const c = bytes ? text[i]! : text.charCodeAt(i);
    if (c === QUOTE) {
      // Jump to the closing quote (a native search); one preceded by an odd run of backslashes
      // is escaped.
      for (;;) {
        i = bytes ? text.indexOf(QUOTE, i + 1) : text.indexOf('"', i + 1);
        if (i === -1) return false;
        let slashes = 0;
        while ((bytes ? text[i - 1 - slashes] : text.charCodeAt(i - 1 - slashes)) === BACKSLASH)
          slashes++;
        if (slashes % 2 === 0) break;
      }
    } else if (c === OPEN_ARRAY || c === OPEN_OBJECT) {
      if (++depth > maxDepth) return true;
    } else if (c === CLOSE_ARRAY || c === CLOSE_OBJECT) {
      depth--;
    }
  }
  return false;
}

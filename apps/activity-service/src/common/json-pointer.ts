/** One segment of a JSON pointer (RFC 6901). */
export const escapePointer = (segment: string): string =>
  segment.replace(/~/g, '~0').replace(/\//g, '~1');

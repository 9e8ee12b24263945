/**
 * Rows in PostgreSQL's COPY text format, as `COPY ... TO STDOUT` sends them (CopyAttributeOutText):
 * cells separated by tabs, NULL as `\N`, a backslash before `\` and the controls \b \f \n \r \t
 * \v, other characters as they are, one `\n` after each row; UTF-8.
 */
export function copyText(rows: (string | null)[][]): Buffer {
  const cell = (v: string | null) =>
    v === null
      ? '\\N'
      : v.replace(/[\\\b\f\n\r\t\v]/g, (c) => {
          const escapes: Record<string, string> = {
            '\\': '\\\\',
            '\b': '\\b',
            '\f': '\\f',
            '\n': '\\n',
            '\r': '\\r',
            '\t': '\\t',
            '\v': '\\v',
          };
          return escapes[c]!;
        });
  return Buffer.from(rows.map((r) => `${r.map(cell).join('\t')}\n`).join(''), 'utf8');
}

import { jsonNestsDeeperThan } from './json-depth';
import { findUndecodableUrl, findUnsafeText, unsafeTextProblem } from './text';

describe('unsafe text', () => {
  it('refuses NUL and unpaired surrogates, and passes well-formed non-ASCII text', () => {
    for (const bad of ['a\u0000', '\ud800', 'x\udc00y', '\ud83c', '\udfe6\ud83c'])
      expect(unsafeTextProblem(bad)).toBeDefined();
    for (const good of ['', 'Zoë', '李', 'café 🏦', '\ud83c\udfe6'])
      expect(unsafeTextProblem(good)).toBeUndefined();
  });

  it('points at every bad string and member name of a parsed body', () => {
    const body = { a: ['ok', 'b\u0000'], 'k/\ud800': 1, n: { m: '\udc00' } };
    expect(
      findUnsafeText(body)
        .map((e) => e.pointer)
        .sort(),
    ).toEqual(['/a/1', '/k~1\ud800', '/n/m'].sort());
    expect(findUnsafeText({ ok: ['Zoë'] })).toEqual([]);
  });

  it('finds percent-escapes that do not decode as UTF-8 in the path and the query', () => {
    expect(
      findUndecodableUrl('/a/%ED%A0%80?x=%E2%82&y=%C3%A9&z=a+b').map((e) => e.pointer),
    ).toEqual(['path', 'query/x']);
    expect(findUndecodableUrl('/a/%C3%A9?q=%00')).toEqual([]);
  });
});

describe('JSON depth scan', () => {
  it.each([
    ['[[[]]]', 2, true],
    ['[[]]', 2, false],
    ['["[[[["]', 2, false],
    ['["a\\"[[[["]', 2, false],
    ['["a\\\\",[[[]]]]', 2, true],
    ['{"a":{"b":[1]}}', 2, true],
    ['["unterminated [[[', 1, false],
  ])('%s deeper than %i: %s', (text, max, expected) => {
    expect(jsonNestsDeeperThan(text, max)).toBe(expected);
    expect(jsonNestsDeeperThan(Buffer.from(text), max)).toBe(expected);
  });

  it('does not recurse: a 10,000-deep text is answered at once', () => {
    expect(jsonNestsDeeperThan('['.repeat(10_000) + ']'.repeat(10_000))).toBe(true);
  });
});

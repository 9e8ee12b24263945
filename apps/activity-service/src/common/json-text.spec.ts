import { jsonText } from './json-text';

describe('jsonText', () => {
  it.each([
    ['ASCII', '{"a":[', '{"x":1},{"y":"z"}', ']}'],
    ['multi-byte items', '{"a":[', '{"name":"Zoë 🏦 München"},{"n":"日本"}', ']}'],
    ['multi-byte head', '{"cursor":"é",["', '"ü"', ']}'],
    ['empty items', '{"a":[', '', ']}'],
  ])('writes the three parts as their UTF-8 bytes, in order (%s)', (_case, head, items, tail) => {
    const out = jsonText(head, items, tail);
    expect(out.equals(Buffer.from(head + items + tail, 'utf8'))).toBe(true);
  });

  it('reads back as the JSON it joins', () => {
    const items = Array.from({ length: 500 }, (_, i) => JSON.stringify({ i, s: `é${i}` })).join(
      ',',
    );
    const page = JSON.parse(jsonText('{"count":500,"items":[', items, ']}').toString()) as {
      items: { i: number; s: string }[];
    };
    expect(page.items).toHaveLength(500);
    expect(page.items[499]).toEqual({ i: 499, s: 'é499' });
  });
});

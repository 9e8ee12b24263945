import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import {
  ATTRIBUTE_TYPE_BY_ID,
  EVENT_TYPES,
  FIXED_FIELDS,
  type AttributeType,
} from './event-catalogue';

describe('event catalogue', () => {
  it('defines the customer event types exactly as docs/internal-apis.md', () => {
    const doc = readFileSync(resolve(__dirname, '../../../../docs/internal-apis.md'), 'utf8');
    const table = doc.slice(doc.search(/\|\s*eventId\s*\|\s*attributes\s*\|/));
    const rows = [...table.matchAll(/^\|\s*`(\w+)`\s*\|(.+)\|\s*$/gm)];
    expect(rows.length).toBe(7);
    const types: Record<string, AttributeType> = {
      string: 'string',
      integer: 'integer',
      'array of strings': 'string[]',
    };
    for (const [, eventId, attributes] of rows) {
      const documented = [...attributes!.matchAll(/`(\w+)` \(([^,)]+), (required|optional)/g)].map(
        ([, id, type, req]) => ({
          attributeId: id,
          type: types[type!.trim()],
          required: req === 'required',
        }),
      );
      const defined = EVENT_TYPES.find((t) => t.eventId === eventId);
      expect(
        defined?.attributes.map(({ attributeId, type, required }) => ({
          attributeId,
          type,
          required,
        })),
      ).toEqual(documented);
    }
  });

  it('covers the digital-banking categories the issue names', () => {
    const categories = new Set(EVENT_TYPES.map((t) => t.category));
    for (const c of [
      'authentication',
      'mfa',
      'registration',
      'disclosure',
      'profile',
      'transfer',
      'billPay',
      'statement',
      'alert',
    ]) {
      expect(categories).toContain(c);
    }
    expect(new Set(EVENT_TYPES.map((t) => t.eventId)).size).toBe(EVENT_TYPES.length);
  });

  it('gives an attribute id one type everywhere, distinct from the fixed fields', () => {
    const fixed = new Set<string>(FIXED_FIELDS.map((f) => f.attributeId));
    for (const t of EVENT_TYPES) {
      for (const a of t.attributes) {
        expect({ id: a.attributeId, type: a.type }).toEqual({
          id: a.attributeId,
          type: ATTRIBUTE_TYPE_BY_ID.get(a.attributeId),
        });
        expect(fixed.has(a.attributeId)).toBe(false);
        expect(a.attributeId).toMatch(/^[a-z][A-Za-z0-9]*$/);
        if (a.enum) expect(a.type).toBe('string');
      }
    }
  });
});

import { etagOf, ifMatchSatisfied, ifNoneMatchHit } from './customer.view';

describe('ETag preconditions', () => {
  const etag = etagOf({ id: '3c4d7a22-560e-40af-b38b-950d3064189b', version: 7 });

  it('makes a strong tag that changes with the version', () => {
    expect(etag).toBe('"3c4d7a22-7"');
    expect(etagOf({ id: '3c4d7a22-560e-40af-b38b-950d3064189b', version: 8 })).not.toBe(etag);
  });

  it('If-Match: absent, *, or one of the strong tags listed', () => {
    expect(ifMatchSatisfied(undefined, etag)).toBe(true);
    expect(ifMatchSatisfied('*', etag)).toBe(true);
    expect(ifMatchSatisfied(`"other", ${etag}`, etag)).toBe(true);
    expect(ifMatchSatisfied('"3c4d7a22-6"', etag)).toBe(false);
    expect(ifMatchSatisfied(`W/${etag}`, etag)).toBe(false);
  });

  it('If-None-Match compares weakly', () => {
    expect(ifNoneMatchHit(`W/${etag}`, etag)).toBe(true);
    expect(ifNoneMatchHit('"x"', etag)).toBe(false);
    expect(ifNoneMatchHit(undefined, etag)).toBe(false);
  });
});

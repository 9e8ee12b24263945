import { ClientSecretHasher, generateClientSecret } from './client-secret';

describe('client secrets', () => {
  it('are 256 random bits', () => {
    const a = generateClientSecret();
    expect(Buffer.from(a, 'base64url')).toHaveLength(32);
    expect(generateClientSecret()).not.toBe(a);
  });

  it('are stored as a keyed hash that depends on the pepper', () => {
    const secret = generateClientSecret();
    const one = new ClientSecretHasher('pepper-one-pepper-one-pepper-one-!!');
    const two = new ClientSecretHasher('pepper-two-pepper-two-pepper-two-!!');
    expect(one.hash(secret)).not.toContain(secret);
    expect(one.hash(secret)).not.toBe(two.hash(secret));
    expect(one.verify(secret, one.hash(secret))).toBe(true);
    expect(one.verify(secret, two.hash(secret))).toBe(false);
    expect(one.verify('wrong', one.hash(secret))).toBe(false);
    expect(one.verify(secret, undefined)).toBe(false);
  });
});

describe('ClientSecretHasher.verifyEither', () => {
  const hasher = new ClientSecretHasher('pepper-one-pepper-one-pepper-one-!!');
  const [current, previous] = [generateClientSecret(), generateClientSecret()];

  it('accepts the current or the previous secret, nothing else', () => {
    const [c, p] = [hasher.hash(current), hasher.hash(previous)];
    expect(hasher.verifyEither(current, c, p)).toBe(true);
    expect(hasher.verifyEither(previous, c, p)).toBe(true);
    expect(hasher.verifyEither(previous, c, undefined)).toBe(false);
    expect(hasher.verifyEither('wrong', c, p)).toBe(false);
    expect(hasher.verifyEither(current, undefined, undefined)).toBe(false);
  });

  it('compares against both hashes even when the first matches (no early exit)', () => {
    const matches = jest.spyOn(hasher as unknown as { matches: () => boolean }, 'matches');
    hasher.verifyEither(current, hasher.hash(current), hasher.hash(previous));
    expect(matches).toHaveBeenCalledTimes(2);
    matches.mockRestore();
  });
});

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

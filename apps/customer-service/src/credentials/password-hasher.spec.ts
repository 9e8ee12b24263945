import { loadEnv } from '@app/common';
import { CustomerEnv } from '../config/customer.env';
import { PasswordHasher } from './password-hasher';

describe('PasswordHasher', () => {
  const env = loadEnv(CustomerEnv, {
    DATABASE_URL: 'postgres://localhost/db',
    ARGON2_MEMORY_KIB: '7168',
    ARGON2_ITERATIONS: '1',
  });
  const hasher = new PasswordHasher(env);
  beforeAll(() => hasher.onModuleInit());

  it('hashes with argon2id and the configured parameters, and verifies', async () => {
    const hash = await hasher.hash('violet tractor sings at dawn');
    expect(hash).toMatch(/^\$argon2id\$v=19\$m=7168,t=1,p=1\$/);
    expect(await hasher.verify(hash, 'violet tractor sings at dawn')).toBe(true);
    expect(await hasher.verify(hash, 'violet tractor sings at dusk')).toBe(false);
    expect(hasher.needsRehash(hash)).toBe(false);
  });

  it('verifies what was hashed before NFKC normalisation the same way', async () => {
    const hash = await hasher.hash('ﬁnancial freedom');
    expect(await hasher.verify(hash, 'financial freedom')).toBe(true);
  });

  it('never accepts a password without a stored hash, even the dummy one', async () => {
    expect(await hasher.verify(undefined, 'anything')).toBe(false);
  });

  it('treats a malformed stored hash as a failed verification', async () => {
    expect(await hasher.verify('not a hash', 'anything')).toBe(false);
  });

  it('recognises hashes made with other parameters', () => {
    expect(hasher.needsRehash('$argon2id$v=19$m=19456,t=2,p=1$c2FsdA$aGFzaA')).toBe(true);
  });
});

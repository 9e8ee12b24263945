import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';

/** 256 random bits, base64url: what the server hands out as a client secret. */
export const generateClientSecret = (): string => randomBytes(32).toString('base64url');

/**
 * Client secrets are high-entropy and server-generated, so a keyed hash (HMAC-SHA256 under a
 * pepper kept outside the database) protects them at rest without a slow password hash on
 * every token request.
 */
export class ClientSecretHasher {
  private readonly dummy: Buffer;

  constructor(private readonly pepper: string) {
    this.dummy = this.digest(generateClientSecret());
  }

  hash(secret: string): string {
    return this.digest(secret).toString('base64url');
  }

  /** Constant-time; with no stored hash it still does the same work (unknown client ids). */
  verify(secret: string, storedHash: string | undefined): boolean {
    return this.matches(this.digest(secret), storedHash);
  }

  /**
   * Whether the secret matches the current or the previous hash (during a rotation's overlap).
   * One HMAC, and both comparisons always made (no early exit, a dummy for a missing hash), so
   * the timing tells neither whether a previous secret exists nor which one matched.
   */
  verifyEither(
    secret: string,
    currentHash: string | undefined,
    previousHash: string | undefined,
  ): boolean {
    const actual = this.digest(secret);
    const current = this.matches(actual, currentHash);
    const previous = this.matches(actual, previousHash);
    return current || previous;
  }

  private digest(secret: string): Buffer {
    return createHmac('sha256', this.pepper).update(secret, 'utf8').digest();
  }

  private matches(actual: Buffer, storedHash: string | undefined): boolean {
    const expected = storedHash === undefined ? this.dummy : Buffer.from(storedHash, 'base64url');
    return (
      expected.length === actual.length &&
      timingSafeEqual(expected, actual) &&
      storedHash !== undefined
    );
  }
}

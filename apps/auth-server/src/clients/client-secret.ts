import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';

/** 256 random bits, base64url: what the server hands out as a client secret. */
export const generateClientSecret = (): string => randomBytes(32).toString('base64url');

/**
 * Client secrets are high-entropy and server-generated, so a keyed hash (HMAC-SHA256 under a
 * pepper kept outside the database) protects them at rest without a slow password hash on
 * every token request.
 */
export class ClientSecretHasher {
  private readonly dummy: string;

  constructor(private readonly pepper: string) {
    this.dummy = this.hash(generateClientSecret());
  }

  hash(secret: string): string {
    return createHmac('sha256', this.pepper).update(secret, 'utf8').digest('base64url');
  }

  /** Constant-time; with no stored hash it still does the same work (unknown client ids). */
  verify(secret: string, storedHash: string | undefined): boolean {
    const expected = Buffer.from(storedHash ?? this.dummy, 'base64url');
    const actual = Buffer.from(this.hash(secret), 'base64url');
    return (
      expected.length === actual.length &&
      timingSafeEqual(expected, actual) &&
      storedHash !== undefined
    );
  }
}

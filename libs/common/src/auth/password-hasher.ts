import { randomUUID } from 'node:crypto';
import { hash, verify, type Algorithm, type Options } from '@node-rs/argon2';
import { normalizePassword } from './password-policy';

// The package's `Algorithm` is a const enum, which per-file transpilers cannot inline.
const ARGON2ID = 2 as Algorithm;

export interface Argon2idCost {
  memoryKiB: number;
  iterations: number;
  parallelism: number;
}

/**
 * argon2id with OWASP's parameters (Password Storage Cheat Sheet: 19 MiB, 2 iterations,
 * 1 lane) unless configured higher. Hashes are PHC strings, so older parameters still verify
 * and are upgraded at the next successful login. Each app provides it with its own settings
 * (the customer-service's PasswordHasher, the developer portal's).
 */
export class Argon2idHasher {
  private readonly options: Options;
  private readonly paramsTag: string;
  private dummyHash?: string;

  constructor(cost: Argon2idCost) {
    this.options = {
      algorithm: ARGON2ID,
      memoryCost: cost.memoryKiB,
      timeCost: cost.iterations,
      parallelism: cost.parallelism,
    };
    this.paramsTag = `$argon2id$v=19$m=${cost.memoryKiB},t=${cost.iterations},p=${cost.parallelism}$`;
  }

  /** A hash of a random value, verified when the account is unknown so that takes as long. */
  async onModuleInit(): Promise<void> {
    this.dummyHash = await hash(randomUUID(), this.options);
  }

  hash(password: string): Promise<string> {
    return hash(normalizePassword(password), this.options);
  }

  /** Verifies against `stored`, or against the dummy hash when there is none (same cost). */
  async verify(stored: string | undefined, password: string): Promise<boolean> {
    const target = stored ?? this.dummyHash;
    if (!target) throw new Error('PasswordHasher used before initialisation');
    try {
      const ok = await verify(target, normalizePassword(password));
      return ok && stored !== undefined;
    } catch {
      return false;
    }
  }

  /** True when a hash was made with other parameters than the configured ones. */
  needsRehash(stored: string): boolean {
    return !stored.startsWith(this.paramsTag);
  }
}

import { createPublicKey, type JsonWebKey, type KeyObject } from 'node:crypto';
import {
  Injectable,
  Logger,
  type OnApplicationBootstrap,
  type OnApplicationShutdown,
} from '@nestjs/common';
import { CommonEnv } from '../config/env';
import { PeriodicTask } from '../tasks/periodic-task';
import { ACCESS_TOKEN_ALG, type KeyResolver } from './ports';

/** An unknown kid (a rotation just published it) refetches the JWKS at most this often. */
const UNKNOWN_KID_COOLDOWN_MS = 2_000;
const FETCH_TIMEOUT_MS = 5_000;

type Jwk = JsonWebKey & { kid?: string; alg?: string; use?: string };

/**
 * Resource-server side: the keys the auth-server publishes in its JWKS, and only those. The
 * JWKS is re-read every JWKS_REFRESH_MS and the key set replaced, so a key that leaves it
 * (retired, its tokens expired) is refused within that period; an unknown kid refetches at once
 * (at most every 2 s). When the JWKS cannot be read the last set stays in force and a warning
 * is logged: a retired key is then trusted until the auth-server answers again.
 */
@Injectable()
export class JwksKeyResolver implements KeyResolver, OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger = new Logger(JwksKeyResolver.name);
  private readonly url: string;
  private keys = new Map<string, KeyObject>();
  private lastAttempt = 0;
  private fetching = false;
  private readonly task: PeriodicTask<void>;

  constructor(env: CommonEnv) {
    this.url = `${env.authInternalUrl}/.well-known/jwks.json`;
    this.task = new PeriodicTask({
      name: 'jwks-refresh',
      intervalMs: env.JWKS_REFRESH_MS,
      runAtStart: true,
      run: () => this.fetchOnce(),
      logger: this.logger,
    });
  }

  onApplicationBootstrap(): void {
    this.task.start();
  }

  onApplicationShutdown(): Promise<void> {
    return this.task.stop();
  }

  async resolve(header: { kid?: string; alg: string }): Promise<KeyObject> {
    if (header.alg !== ACCESS_TOKEN_ALG || !header.kid) throw new Error('unsupported key');
    let key = this.keys.get(header.kid);
    if (!key) {
      // A read in progress is awaited; a new one only past the cooldown.
      if (this.fetching || Date.now() - this.lastAttempt >= UNKNOWN_KID_COOLDOWN_MS)
        await this.refresh();
      key = this.keys.get(header.kid);
    }
    if (!key) throw new Error('unknown kid');
    return key;
  }

  /** Reads the JWKS once (one read at a time) and replaces the key set with it. */
  async refresh(): Promise<void> {
    await this.task.trigger();
  }

  /** Never throws: an unreadable JWKS leaves the last key set in force. */
  private async fetchOnce(): Promise<void> {
    this.lastAttempt = Date.now();
    this.fetching = true;
    try {
      const res = await fetch(this.url, { signal: AbortSignal.timeout(FETCH_TIMEOUT_MS) });
      if (!res.ok) throw new Error(`HTTP ${res.status}`);
      const body = (await res.json()) as { keys?: unknown };
      if (!Array.isArray(body.keys)) throw new Error('not a JWKS');
      const keys = new Map<string, KeyObject>();
      for (const jwk of body.keys as Jwk[]) {
        const usable =
          typeof jwk.kid === 'string' &&
          jwk.kty === 'EC' &&
          jwk.crv === 'P-256' &&
          (jwk.alg === undefined || jwk.alg === ACCESS_TOKEN_ALG) &&
          (jwk.use === undefined || jwk.use === 'sig');
        if (!usable) continue;
        try {
          keys.set(jwk.kid!, createPublicKey({ key: jwk, format: 'jwk' }));
        } catch {
          // A malformed entry is skipped; the others stay usable.
        }
      }
      this.keys = keys;
    } catch (err) {
      this.logger.warn(
        `JWKS not refreshed (the last ${this.keys.size} key(s) stay trusted): ${(err as Error).message}`,
      );
    } finally {
      this.fetching = false;
    }
  }
}

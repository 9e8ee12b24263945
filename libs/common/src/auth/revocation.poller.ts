import { Injectable, Logger, OnApplicationBootstrap, OnApplicationShutdown } from '@nestjs/common';
import { CommonEnv } from '../config/env';
import type { RevocationCheck } from './ports';

export interface RevocationFeed {
  revocations: { jti: string; exp: number }[];
  asOf: string;
}

/** Overlap between polls so a revocation committed during the previous poll is not missed. */
const OVERLAP_MS = 10_000;

/**
 * Resource-server side: pulls revoked access-token ids from the auth-server every
 * REVOCATION_POLL_MS, so a revoked token is refused within that interval (contract: 5 s).
 * If the auth-server is unreachable the last known list stays in force and a warning is logged.
 */
@Injectable()
export class RevocationPoller
  implements RevocationCheck, OnApplicationBootstrap, OnApplicationShutdown
{
  private readonly logger = new Logger(RevocationPoller.name);
  private readonly revoked = new Map<string, number>();
  private since?: string;
  private timer?: NodeJS.Timeout;
  private inFlight?: Promise<void>;

  constructor(private readonly env: CommonEnv) {}

  isRevoked(jti: string): boolean {
    return this.revoked.has(jti);
  }

  onApplicationBootstrap(): void {
    void this.poll();
    this.timer = setInterval(() => void this.poll(), this.env.REVOCATION_POLL_MS);
    this.timer.unref();
  }

  async onApplicationShutdown(): Promise<void> {
    clearInterval(this.timer);
    await this.inFlight;
  }

  poll(): Promise<void> {
    this.inFlight ??= this.fetchOnce().finally(() => (this.inFlight = undefined));
    return this.inFlight;
  }

  private async fetchOnce(): Promise<void> {
    const url = new URL(`${this.env.authInternalUrl}/oauth2/v1/revocations`);
    if (this.since) url.searchParams.set('since', this.since);
    try {
      const res = await fetch(url, { signal: AbortSignal.timeout(3000) });
      if (!res.ok) throw new Error(`HTTP ${res.status}`);
      const feed = (await res.json()) as RevocationFeed;
      for (const { jti, exp } of feed.revocations) this.revoked.set(jti, exp);
      this.since = new Date(Date.parse(feed.asOf) - OVERLAP_MS).toISOString();
      const now = Date.now() / 1000;
      for (const [jti, exp] of this.revoked) if (exp < now) this.revoked.delete(jti);
    } catch (err) {
      this.logger.warn(`revocation list not refreshed: ${(err as Error).message}`);
    }
  }
}

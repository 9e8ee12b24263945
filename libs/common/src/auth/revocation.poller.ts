import { Injectable, Logger, OnApplicationBootstrap, OnApplicationShutdown } from '@nestjs/common';
import { CommonEnv } from '../config/env';
import { PeriodicTask } from '../tasks/periodic-task';
import { ClientCredentialsToken } from './client-credentials-token';
import type { IssuedTo, RevocationCheck } from './ports';
import { Scope } from './scopes';

export interface RevocationFeed {
  revocations: { jti: string; exp: number }[];
  /** Disabled clients: their tokens issued before `issuedBefore` (epoch seconds) are revoked. */
  clientRevocations?: {
    clientId: string;
    institutionId: string;
    issuedBefore: number;
    exp: number;
  }[];
  asOf: string;
}

/** Overlap between polls so a revocation committed during the previous poll is not missed. */
const OVERLAP_MS = 10_000;
const TIMEOUT_MS = 3_000;
/** While polls keep failing, the warning is repeated at most this often. */
const WARN_EVERY_MS = 30_000;

class FeedError extends Error {
  constructor(
    message: string,
    readonly status?: number,
  ) {
    super(message);
  }
}

/**
 * Resource-server side: pulls revoked access-token ids and disabled clients from the
 * auth-server every REVOCATION_POLL_MS, so a revoked token is refused within that interval
 * (contract: 5 s). The feed needs a client_credentials token of this service's client
 * (AUTH_CLIENT_ID / AUTH_CLIENT_SECRET, scope internal:revocations:read). Whenever a poll
 * fails (auth-server unreachable, credentials missing or refused) the last known list stays in
 * force, the next poll asks again from the last good point, and a warning is logged (repeated
 * every 30 s while it lasts): tokens revoked meanwhile are accepted until a poll succeeds.
 */
@Injectable()
export class RevocationPoller
  implements RevocationCheck, OnApplicationBootstrap, OnApplicationShutdown
{
  private readonly logger = new Logger(RevocationPoller.name);
  private readonly revoked = new Map<string, number>();
  private readonly clients = new Map<string, { issuedBefore: number; exp: number }>();
  private since?: string;
  private readonly task: PeriodicTask<void>;
  private readonly token?: ClientCredentialsToken;
  private failing?: { since: number; count: number; warnedAt: number };
  private lastSuccess?: number;

  constructor(private readonly env: CommonEnv) {
    const { AUTH_CLIENT_ID: clientId, AUTH_CLIENT_SECRET: clientSecret } = env;
    if (clientId && clientSecret)
      this.token = new ClientCredentialsToken({
        authUrl: env.authInternalUrl,
        clientId,
        clientSecret,
        scope: Scope.InternalRevocationsRead,
        timeoutMs: TIMEOUT_MS,
        renewBeforeMs: 30_000,
      });
    this.task = new PeriodicTask({
      name: 'revocation-poll',
      intervalMs: env.REVOCATION_POLL_MS,
      runAtStart: true,
      run: () => this.fetchOnce(),
      logger: this.logger,
    });
  }

  isRevoked(jti: string, issued?: IssuedTo): boolean {
    if (this.revoked.has(jti)) return true;
    const client = issued && this.clients.get(issued.clientId);
    if (!client) return false;
    return issued.issuedAt === undefined || issued.issuedAt.getTime() / 1000 < client.issuedBefore;
  }

  onApplicationBootstrap(): void {
    this.task.start();
  }

  onApplicationShutdown(): Promise<void> {
    return this.task.stop();
  }

  /** Polls now, or waits for the poll in progress. */
  async poll(): Promise<void> {
    await this.task.trigger();
  }

  /** Never throws: a failed poll keeps the last list (see `failed`). */
  private async fetchOnce(): Promise<void> {
    try {
      const feed = await this.readFeed();
      for (const { jti, exp } of feed.revocations) this.revoked.set(jti, exp);
      for (const c of feed.clientRevocations ?? []) {
        const known = this.clients.get(c.clientId);
        this.clients.set(c.clientId, {
          issuedBefore: Math.max(c.issuedBefore, known?.issuedBefore ?? 0),
          exp: Math.max(c.exp, known?.exp ?? 0),
        });
      }
      this.since = new Date(Date.parse(feed.asOf) - OVERLAP_MS).toISOString();
      const now = Date.now() / 1000;
      for (const [jti, exp] of this.revoked) if (exp < now) this.revoked.delete(jti);
      for (const [id, c] of this.clients) if (c.exp < now) this.clients.delete(id);
      this.recovered();
    } catch (err) {
      this.failed(err as Error);
    }
  }

  /** One read of the feed; a refused token is replaced once at once (expired, key retired). */
  private async readFeed(): Promise<RevocationFeed> {
    const url = new URL(`${this.env.authInternalUrl}/oauth2/v1/revocations`);
    if (this.since) url.searchParams.set('since', this.since);
    const attempt = async () => {
      const res = await fetch(url, {
        headers: { authorization: `Bearer ${await this.accessToken()}` },
        signal: AbortSignal.timeout(TIMEOUT_MS),
      });
      if (!res.ok) throw new FeedError(`revocation feed answered HTTP ${res.status}`, res.status);
      return (await res.json()) as RevocationFeed;
    };
    try {
      return await attempt();
    } catch (err) {
      if ((err as FeedError).status !== 401) throw err;
      this.token?.invalidate();
      return attempt();
    }
  }

  private accessToken(): Promise<string> {
    if (!this.token) throw new FeedError('AUTH_CLIENT_ID / AUTH_CLIENT_SECRET are not set');
    return this.token.get();
  }

  private failed(err: Error): void {
    const now = Date.now();
    this.failing ??= { since: now, count: 0, warnedAt: 0 };
    this.failing.count++;
    if (now - this.failing.warnedAt < WARN_EVERY_MS) return;
    this.failing.warnedAt = now;
    const age =
      this.lastSuccess === undefined
        ? 'never read'
        : `${Math.round((now - this.lastSuccess) / 1000)} s old`;
    this.logger.warn(
      `revocation list not refreshed (${this.failing.count} failed poll(s); list ${age}; ` +
        `tokens revoked since are still accepted): ${err.message}`,
    );
  }

  private recovered(): void {
    this.lastSuccess = Date.now();
    if (!this.failing) return;
    this.logger.log(`revocation list refreshed again after ${this.failing.count} failed poll(s)`);
    this.failing = undefined;
  }
}

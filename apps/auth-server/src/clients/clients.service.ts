import { randomBytes, randomUUID } from 'node:crypto';
import { BeforeApplicationShutdown, Inject, Injectable, Logger, Optional } from '@nestjs/common';
import { AuthEnv } from '../config/auth.env';
import { AuthErrors } from './auth.errors';
import { ClientSecretHasher, generateClientSecret } from './client-secret';
import type { ClientEntity, GrantType } from './client.entity';
import { ClientsRepository } from './clients.repository';

export interface NewClient {
  institutionId: string;
  name: string;
  scopes: string[];
  defaultScopes?: string[];
  grantTypes: GrantType[];
}

export interface ClientWithSecret {
  client: ClientEntity;
  clientSecret: string;
}

/** Milliseconds since the epoch; injectable so that tests can move time. */
export type Clock = () => number;
export const CLIENTS_CLOCK = Symbol('CLIENTS_CLOCK');

/** A client's lastUsedAt is written at most once per this long per instance. */
export const LAST_USED_INTERVAL_MS = 60_000;
/** Uses recorded within this long are written together, in one statement, off the request. */
export const LAST_USED_FLUSH_DELAY_MS = 1_000;
/** The longest rotation overlap: 7 days. */
export const MAX_PREVIOUS_SECRET_SECONDS = 7 * 86_400;

/** Client records: creation with a server-made secret, lookup for authentication, lifecycle. */
@Injectable()
export class ClientsService implements BeforeApplicationShutdown {
  readonly hasher: ClientSecretHasher;
  private readonly logger = new Logger(ClientsService.name);
  // The token endpoint's hot path reads a client per request; CLIENT_CACHE_TTL_MS bounds staleness.
  private readonly cache = new Map<string, { client: ClientEntity | null; at: number }>();
  /** Client (row id) -> when its last use was queued for writing on this instance. */
  private readonly lastUseQueued = new Map<string, number>();
  private pendingUses = new Map<string, Date>();
  private flushTimer: NodeJS.Timeout | undefined;
  private flushing: Promise<void> = Promise.resolve();

  constructor(
    private readonly repo: ClientsRepository,
    private readonly env: AuthEnv,
    @Optional() @Inject(CLIENTS_CLOCK) private readonly now: Clock = Date.now,
  ) {
    this.hasher = new ClientSecretHasher(env.CLIENT_SECRET_PEPPER);
  }

  /**
   * The active client with this id, or null (unknown or disabled). `readSince`: a cached
   * record read before that time is read again.
   */
  async findActive(clientId: string, readSince?: number): Promise<ClientEntity | null> {
    const hit = this.cache.get(clientId);
    if (
      hit &&
      this.now() - hit.at < this.env.CLIENT_CACHE_TTL_MS &&
      (readSince === undefined || hit.at >= readSince)
    )
      return hit.client;
    const client = await this.repo.findActive(clientId);
    if (this.cache.size > 10_000) this.cache.clear();
    this.cache.set(clientId, { client, at: this.now() });
    return client;
  }

  /**
   * Client authentication: the active client and whether `secret` is its current secret or
   * its previous one before that one expires (checked now, whatever the cached record's age).
   * A failure against a cached record reads the client again once, so that a secret rotated or
   * a client created on another instance works here at once.
   */
  async authenticate(
    clientId: string,
    secret: string,
  ): Promise<{ client: ClientEntity | null; ok: boolean }> {
    const started = this.now();
    let client = await this.findActive(clientId);
    let ok = this.secretMatches(client, secret);
    if (!ok) {
      const fresh = await this.findActive(clientId, started);
      if (fresh !== client) {
        client = fresh;
        ok = this.secretMatches(fresh, secret);
      }
    }
    return { client, ok };
  }

  /** Both hashes compared every time (a dummy for a missing or expired previous one). */
  private secretMatches(client: ClientEntity | null, secret: string): boolean {
    const previousLive =
      client?.previousSecretHash &&
      client.previousSecretExpiresAt &&
      client.previousSecretExpiresAt.getTime() > this.now()
        ? client.previousSecretHash
        : undefined;
    return this.hasher.verifyEither(secret, client?.secretHash, previousLive);
  }

  /**
   * A token was issued to `client`: its lastUsedAt is written in the background, at most once
   * per LAST_USED_INTERVAL_MS per instance, batched with other clients' uses. Never awaited by
   * the request, never failing it (a failed write is logged and retried a minute later).
   */
  recordUse(client: ClientEntity): void {
    const now = this.now();
    const queued = this.lastUseQueued.get(client.id);
    if (queued !== undefined && now - queued < LAST_USED_INTERVAL_MS) return;
    if (this.lastUseQueued.size >= 10_000) this.lastUseQueued.clear();
    this.lastUseQueued.set(client.id, now);
    this.pendingUses.set(client.id, new Date(now));
    if (!this.flushTimer) {
      this.flushTimer = setTimeout(() => void this.flushUses(), LAST_USED_FLUSH_DELAY_MS);
      this.flushTimer.unref();
    }
  }

  /** Writes the queued uses (one statement); resolves when written or the failure is logged. */
  flushUses(): Promise<void> {
    clearTimeout(this.flushTimer);
    this.flushTimer = undefined;
    const uses = this.pendingUses;
    if (uses.size === 0) return this.flushing;
    this.pendingUses = new Map();
    const write = async () => {
      try {
        await this.repo.recordUses([...uses].map(([id, at]) => ({ id, at })));
      } catch (err) {
        this.logger.warn({ err, clients: uses.size }, 'could not record when clients were used');
      }
    };
    this.flushing = this.flushing.then(write);
    return this.flushing;
  }

  async beforeApplicationShutdown(): Promise<void> {
    await this.flushUses();
  }

  async create(input: NewClient): Promise<ClientWithSecret> {
    const clientSecret = generateClientSecret();
    const clientId = `cl_${randomBytes(12).toString('hex')}`;
    await this.repo.insert({
      id: randomUUID(),
      clientId,
      secretHash: this.hasher.hash(clientSecret),
      institutionId: input.institutionId,
      name: input.name,
      allowedScopes: input.scopes,
      defaultScopes: input.defaultScopes ?? input.scopes,
      grantTypes: input.grantTypes,
      status: 'active',
      secretRotatedAt: null,
      disabledAt: null,
      previousSecretHash: null,
      previousSecretExpiresAt: null,
      lastUsedAt: null,
    });
    return { client: await this.get(clientId), clientSecret };
  }

  /**
   * Makes a client exist exactly as configured (the platform admin and sandbox clients named
   * in the environment); the secret comes from the operator, its hash is what is stored, and
   * no previous secret stays valid.
   */
  async ensure(clientId: string, secret: string, input: NewClient): Promise<void> {
    const fields = {
      secretHash: this.hasher.hash(secret),
      institutionId: input.institutionId,
      name: input.name,
      allowedScopes: input.scopes,
      defaultScopes: input.defaultScopes ?? input.scopes,
      grantTypes: input.grantTypes,
      status: 'active' as const,
      disabledAt: null,
      previousSecretHash: null,
      previousSecretExpiresAt: null,
    };
    const existing = await this.repo.find(clientId);
    if (existing) await this.repo.update(existing.id, fields);
    else
      await this.repo.insert({
        id: randomUUID(),
        clientId,
        secretRotatedAt: null,
        lastUsedAt: null,
        ...fields,
      });
    this.cache.delete(clientId);
  }

  async get(clientId: string, institutionId?: string): Promise<ClientEntity> {
    const client = await this.repo.find(clientId, institutionId);
    if (!client) throw AuthErrors.clientNotFound(clientId);
    return client;
  }

  /** Keyset page ordered by client id. */
  list(filter: { institutionId?: string; after?: string; limit: number }): Promise<ClientEntity[]> {
    return this.repo.list(filter);
  }

  /**
   * A new secret. The current one stays valid for `previousSecretExpiresIn` seconds (0: it
   * stops at once); a secret that was still in an earlier overlap stops at once, since only
   * one previous secret is kept. On this instance the change applies at once; another instance
   * may accept the old secret as current until its cached record is CLIENT_CACHE_TTL_MS old.
   */
  async rotateSecret(
    clientId: string,
    institutionId?: string,
    previousSecretExpiresIn = 0,
  ): Promise<ClientWithSecret> {
    if (
      !Number.isInteger(previousSecretExpiresIn) ||
      previousSecretExpiresIn < 0 ||
      previousSecretExpiresIn > MAX_PREVIOUS_SECRET_SECONDS
    )
      throw AuthErrors.invalidPreviousSecretExpiresIn();
    const clientSecret = generateClientSecret();
    // Two rotations at once: the second sees the first's secret as current, so none is lost.
    for (let attempt = 0; ; attempt++) {
      const client = await this.get(clientId, institutionId);
      const now = this.now();
      const overlap = previousSecretExpiresIn > 0;
      const rotated = await this.repo.rotateSecret(client.id, client.secretHash, {
        secretHash: this.hasher.hash(clientSecret),
        secretRotatedAt: new Date(now),
        previousSecretHash: overlap ? client.secretHash : null,
        previousSecretExpiresAt: overlap ? new Date(now + previousSecretExpiresIn * 1000) : null,
      });
      if (rotated) break;
      if (attempt >= 2) throw AuthErrors.concurrentRotation(clientId);
    }
    this.cache.delete(clientId);
    return { client: await this.get(clientId), clientSecret };
  }

  async disable(clientId: string, institutionId?: string): Promise<ClientEntity> {
    const client = await this.get(clientId, institutionId);
    if (client.status !== 'disabled') {
      await this.repo.update(client.id, { status: 'disabled', disabledAt: new Date() });
    }
    this.cache.delete(clientId);
    return this.get(clientId);
  }
}

import { Injectable, Logger } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import { AuthEnv } from '../config/auth.env';
import { FailureCounter, keyPart, secondsBlockedEach } from './failure-counter';
import type { FormParams } from './form';

/**
 * Failed authentications at the token endpoint, counted in PostgreSQL so that every instance
 * counts together. Keyed so that a third party cannot lock anyone out (README, auth-server):
 *
 * - client authentication: per (client id, address) and per address; both refuse even the
 *   right secret once blocked. A client id alone (which every JWT carries) is never blocked:
 *   past FAILED_AUTH_CLIENT_LIMIT failures from all addresses, each address that fails for it
 *   is blocked at its first failure instead, and the owner's own address still gets in.
 * - password grant: per address (all clients); per client past PASSWORD_FAILURE_CLIENT_LIMIT,
 *   each address that fails is blocked at its first failure. Customers who have not failed
 *   log in; the per-customer lockout stays customer-service's.
 *
 * A key a query found not blocked is remembered as such for FAILED_AUTH_CHECK_CACHE_MS, so a
 * caller that does not fail (nearly every token request) costs no query. A failure recorded
 * here forgets its keys at once; one recorded by another replica is seen here within that
 * time, which lets an attacker at most one more try per replica once blocked elsewhere.
 */
@Injectable()
export class FailedAuthThrottle {
  private readonly logger = new Logger('FailedAuth');
  private readonly clientPair: FailureCounter;
  private readonly clientAddress: FailureCounter;
  private readonly clientId: FailureCounter;
  private readonly passwordAddress: FailureCounter;
  private readonly passwordClient: FailureCounter;
  /** Stored keys found not blocked, and until when that answer is reused. */
  private readonly clean = new Map<string, number>();
  private readonly cleanForMs: number;

  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    env: AuthEnv,
  ) {
    this.cleanForMs = env.FAILED_AUTH_CHECK_CACHE_MS;
    const clientAuth = {
      windowSeconds: env.FAILED_AUTH_WINDOW_SECONDS,
      blockSeconds: env.FAILED_AUTH_BLOCK_SECONDS,
    };
    const password = {
      windowSeconds: env.PASSWORD_FAILURE_WINDOW_SECONDS,
      blockSeconds: env.PASSWORD_FAILURE_BLOCK_SECONDS,
    };
    this.clientPair = new FailureCounter(
      dataSource,
      { name: 'client-auth-pair', limit: env.FAILED_AUTH_LIMIT, ...clientAuth },
      true,
    );
    this.clientAddress = new FailureCounter(dataSource, {
      name: 'client-auth-address',
      limit: env.FAILED_AUTH_ADDRESS_LIMIT,
      ...clientAuth,
    });
    // Counted only: a client id alone is never blocked.
    this.clientId = new FailureCounter(dataSource, {
      name: 'client-auth-client',
      limit: env.FAILED_AUTH_CLIENT_LIMIT,
      windowSeconds: env.FAILED_AUTH_WINDOW_SECONDS,
      blockSeconds: 0,
    });
    this.passwordAddress = new FailureCounter(dataSource, {
      name: 'password-address',
      limit: env.PASSWORD_FAILURE_LIMIT,
      ...password,
    });
    // Counted only: a client alone is never blocked.
    this.passwordClient = new FailureCounter(dataSource, {
      name: 'password-client',
      limit: env.PASSWORD_FAILURE_CLIENT_LIMIT,
      windowSeconds: env.PASSWORD_FAILURE_WINDOW_SECONDS,
      blockSeconds: 0,
    });
  }

  /**
   * The password grant's wait, read in the same query as the client check of the same request
   * (keyed by that request's form) and taken by `passwordRetryAfter` moments later.
   */
  private readonly passwordWaits = new WeakMap<FormParams, number>();

  /**
   * Seconds to wait before this client id may authenticate from this address, otherwise 0.
   * `passwordGrant`: the form of a password-grant request; its address's password wait is
   * read in the same query (one round trip per token request instead of two).
   */
  async clientAuthRetryAfter(
    clientId: string | undefined,
    ip: string,
    passwordGrant?: FormParams,
  ): Promise<number> {
    const keys = [
      { counter: this.clientAddress, id: keyPart(ip) },
      ...(clientId ? [{ counter: this.clientPair, id: pairId(clientId, ip) }] : []),
    ];
    if (!passwordGrant) return Math.max(0, ...(await this.waits(keys)));
    const [password, ...client] = await this.waits([
      { counter: this.passwordAddress, id: keyPart(ip) },
      ...keys,
    ]);
    this.passwordWaits.set(passwordGrant, password!);
    return Math.max(0, ...client);
  }

  /** Records one failed client authentication; the secret is never logged, only who and why. */
  async recordClientAuthFailure(
    clientId: string | undefined,
    ip: string,
    reason: string,
  ): Promise<void> {
    this.logger.warn({ clientId, ip, reason }, 'client authentication failed');
    this.forget(this.clientAddress, keyPart(ip));
    await this.clientAddress.record(keyPart(ip));
    if (!clientId) return;
    const pair = pairId(clientId, ip);
    this.forget(this.clientPair, pair);
    await this.clientPair.record(pair);
    const forClient = await this.clientId.record(keyPart(clientId));
    if (forClient > this.clientId.settings.limit) {
      // Guessing from many addresses: each failing address gets one try per block.
      await this.clientPair.block(pair);
      if (forClient === this.clientId.settings.limit + 1)
        this.logger.warn({ clientId }, 'failed authentications for this client id past its bound');
    }
  }

  /**
   * Seconds to wait before this address may use the password grant, otherwise 0: read with the
   * client check of the same request (`form`) when it was, otherwise now.
   */
  async passwordRetryAfter(ip: string, form?: FormParams): Promise<number> {
    const read = form && this.passwordWaits.get(form);
    if (read !== undefined) {
      this.passwordWaits.delete(form!);
      return read;
    }
    const [wait] = await this.waits([{ counter: this.passwordAddress, id: keyPart(ip) }]);
    return wait!;
  }

  /** Records one failed password grant (wrong password, unknown or locked login id). */
  async recordPasswordFailure(clientId: string, ip: string): Promise<void> {
    const address = keyPart(ip);
    this.forget(this.passwordAddress, address);
    await this.passwordAddress.record(address);
    const forClient = await this.passwordClient.record(keyPart(clientId));
    if (forClient > this.passwordClient.settings.limit) {
      await this.passwordAddress.block(address);
      if (forClient === this.passwordClient.settings.limit + 1)
        this.logger.warn({ clientId }, 'failed password grants for this client past its bound');
    }
  }

  /** The wait of each key, in order: from the clean cache when every key is in it, else one query. */
  private async waits(keys: { counter: FailureCounter; id: string }[]): Promise<number[]> {
    const now = Date.now();
    const stored = keys.map((k) => k.counter.storedKey(k.id));
    if (stored.every((key) => (this.clean.get(key) ?? 0) > now)) return keys.map(() => 0);
    const waits = await secondsBlockedEach(this.dataSource, keys);
    if (this.cleanForMs > 0) {
      if (this.clean.size > CLEAN_CACHE_SIZE) this.clean.clear();
      waits.forEach((wait, i) => {
        if (wait === 0) this.clean.set(stored[i]!, now + this.cleanForMs);
      });
    }
    return waits;
  }

  private forget(counter: FailureCounter, id: string): void {
    this.clean.delete(counter.storedKey(id));
  }
}

/** Clean keys remembered at most (a few MB); past it the cache starts over. */
const CLEAN_CACHE_SIZE = 50_000;

const pairId = (clientId: string, ip: string) => `${keyPart(clientId)}|${keyPart(ip)}`;

import { KeyObject, createPrivateKey, webcrypto } from 'node:crypto';
import { Injectable, Logger, OnApplicationShutdown, OnModuleInit } from '@nestjs/common';
import { ACCESS_TOKEN_ALG, PeriodicTask, SecretBox, type KeyResolver } from '@app/common';
import {
  calculateJwkThumbprint,
  exportJWK,
  exportPKCS8,
  generateKeyPair,
  importJWK,
  type JWK,
} from 'jose';
import { AuthEnv } from '../config/auth.env';
import { UnitOfWork, type Transaction } from '../persistence/unit-of-work';
import { SigningKeysRepository } from './signing-keys.repository';

type CryptoKey = webcrypto.CryptoKey;

interface ActiveKey {
  kid: string;
  privateKey: KeyObject;
}

export interface Jwks {
  keys: JWK[];
}

/**
 * ES256 signing keys, persisted (private half sealed) so every instance and restart signs with
 * the same key. The JWKS always carries the `next` key too, so when a rotation promotes it,
 * resource servers that cached the JWKS already know it. The retired key stays published
 * until every token it signed has expired.
 */
@Injectable()
export class SigningKeysService implements KeyResolver, OnModuleInit, OnApplicationShutdown {
  private readonly logger = new Logger(SigningKeysService.name);
  private readonly box: SecretBox;
  private active?: ActiveKey;
  private publicKeys = new Map<string, KeyObject>();
  private document: Jwks = { keys: [] };
  /** Picks up rotations made by other instances. */
  private readonly refresh: PeriodicTask<void>;

  constructor(
    private readonly repo: SigningKeysRepository,
    private readonly uow: UnitOfWork,
    private readonly env: AuthEnv,
  ) {
    this.box = SecretBox.fromString(env.KEY_ENCRYPTION_KEY);
    this.refresh = new PeriodicTask({
      name: 'signing-keys-refresh',
      intervalMs: env.KEY_REFRESH_MS,
      run: () => this.reload(),
      logger: this.logger,
    });
  }

  async onModuleInit(): Promise<void> {
    await this.uow.run(async (tx) => {
      await this.repo.lockKeyChanges(tx);
      if (!(await this.repo.findByStatus('active', tx))) await this.insertNewKey('active', tx);
      if (!(await this.repo.findByStatus('next', tx))) await this.insertNewKey('next', tx);
    });
    await this.reload();
    this.refresh.start();
  }

  onApplicationShutdown(): Promise<void> {
    return this.refresh.stop();
  }

  /** The key new tokens are signed with. */
  signingKey(): ActiveKey {
    if (!this.active) throw new Error('signing keys not loaded');
    return this.active;
  }

  jwks(): Jwks {
    return this.document;
  }

  async resolve(header: { kid?: string; alg: string }): Promise<KeyObject> {
    if (header.alg !== ACCESS_TOKEN_ALG || !header.kid) throw new Error('unsupported key');
    const key = this.publicKeys.get(header.kid);
    if (!key) throw new Error('unknown kid');
    return key;
  }

  async rotate(): Promise<{
    kid: string;
    previousKid: string | null;
    previousPublishUntil: Date | null;
  }> {
    const result = await this.uow.run(async (tx) => {
      await this.repo.lockKeyChanges(tx);
      const previous = await this.repo.findByStatus('active', tx);
      let publishUntil: Date | null = null;
      if (previous) {
        // Other instances may sign with it until their next reload; clocks may disagree a little.
        const graceMs = (this.env.ACCESS_TOKEN_TTL_SECONDS + 60) * 1000 + this.env.KEY_REFRESH_MS;
        publishUntil = new Date(Date.now() + graceMs);
        await this.repo.retire(previous.kid, publishUntil, tx);
      }
      const next = await this.repo.findByStatus('next', tx);
      let kid: string;
      if (next) {
        await this.repo.activate(next.kid, tx);
        kid = next.kid;
      } else {
        kid = await this.insertNewKey('active', tx);
      }
      await this.insertNewKey('next', tx);
      return { kid, previousKid: previous?.kid ?? null, previousPublishUntil: publishUntil };
    });
    await this.reload();
    this.logger.log({ kid: result.kid, previousKid: result.previousKid }, 'signing key rotated');
    return result;
  }

  private async insertNewKey(status: 'active' | 'next', tx: Transaction): Promise<string> {
    const { publicKey, privateKey } = await generateKeyPair(ACCESS_TOKEN_ALG, {
      extractable: true,
    });
    const publicJwk = await exportJWK(publicKey);
    const kid = await calculateJwkThumbprint(publicJwk);
    await this.repo.insert(
      {
        kid,
        alg: ACCESS_TOKEN_ALG,
        publicJwk: { ...publicJwk, kid, alg: ACCESS_TOKEN_ALG, use: 'sig' },
        privateKeySealed: this.box.seal(await exportPKCS8(privateKey), kid),
        status,
        retiredAt: null,
        publishUntil: null,
      },
      tx,
    );
    return kid;
  }

  /** Reads the published keys; picks up rotations made by other instances. */
  async reload(): Promise<void> {
    const rows = await this.repo.findPublished();
    const publicKeys = new Map<string, KeyObject>();
    for (const row of rows) {
      publicKeys.set(
        row.kid,
        KeyObject.from((await importJWK(row.publicJwk, ACCESS_TOKEN_ALG)) as CryptoKey),
      );
    }
    const activeRow = rows.find((r) => r.status === 'active');
    if (activeRow && activeRow.kid !== this.active?.kid) {
      const pem = this.box.open(activeRow.privateKeySealed, activeRow.kid).toString('utf8');
      this.active = { kid: activeRow.kid, privateKey: createPrivateKey(pem) };
    }
    this.publicKeys = publicKeys;
    this.document = { keys: rows.map((r) => r.publicJwk) };
  }
}

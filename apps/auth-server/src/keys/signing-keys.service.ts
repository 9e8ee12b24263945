import { KeyObject, createPrivateKey, webcrypto } from 'node:crypto';

type CryptoKey = webcrypto.CryptoKey;
import { Injectable, Logger, OnApplicationShutdown, OnModuleInit } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { ACCESS_TOKEN_ALG, SecretBox, type KeyResolver } from '@app/common';
import {
  calculateJwkThumbprint,
  exportJWK,
  exportPKCS8,
  generateKeyPair,
  importJWK,
  type JWK,
} from 'jose';
import { DataSource, type EntityManager } from 'typeorm';
import { AuthEnv } from '../config/auth.env';
import { SigningKeyEntity } from './signing-key.entity';

interface ActiveKey {
  kid: string;
  privateKey: KeyObject;
}

export interface Jwks {
  keys: JWK[];
}

const LOCK = 'auth:signing-keys';

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
  private timer?: NodeJS.Timeout;

  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly env: AuthEnv,
  ) {
    this.box = SecretBox.fromString(env.KEY_ENCRYPTION_KEY);
  }

  async onModuleInit(): Promise<void> {
    await this.dataSource.transaction(async (em) => {
      await em.query('SELECT pg_advisory_xact_lock(hashtext($1))', [LOCK]);
      if (!(await em.existsBy(SigningKeyEntity, { status: 'active' })))
        await this.insertNewKey(em, 'active');
      if (!(await em.existsBy(SigningKeyEntity, { status: 'next' })))
        await this.insertNewKey(em, 'next');
    });
    await this.reload();
    this.timer = setInterval(
      () => void this.reload().catch((e: Error) => this.logger.warn(e.message)),
      this.env.KEY_REFRESH_MS,
    );
    this.timer.unref();
  }

  onApplicationShutdown(): void {
    clearInterval(this.timer);
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
    const result = await this.dataSource.transaction(async (em) => {
      await em.query('SELECT pg_advisory_xact_lock(hashtext($1))', [LOCK]);
      const previous = await em.findOneBy(SigningKeyEntity, { status: 'active' });
      let publishUntil: Date | null = null;
      if (previous) {
        // Other instances may sign with it until their next reload; clocks may disagree a little.
        const graceMs = (this.env.ACCESS_TOKEN_TTL_SECONDS + 60) * 1000 + this.env.KEY_REFRESH_MS;
        publishUntil = new Date(Date.now() + graceMs);
        await em.update(
          SigningKeyEntity,
          { kid: previous.kid },
          { status: 'retired', retiredAt: new Date(), publishUntil },
        );
      }
      const next = await em.findOneBy(SigningKeyEntity, { status: 'next' });
      let kid: string;
      if (next) {
        await em.update(SigningKeyEntity, { kid: next.kid }, { status: 'active' });
        kid = next.kid;
      } else {
        kid = await this.insertNewKey(em, 'active');
      }
      await this.insertNewKey(em, 'next');
      return { kid, previousKid: previous?.kid ?? null, previousPublishUntil: publishUntil };
    });
    await this.reload();
    this.logger.log({ kid: result.kid, previousKid: result.previousKid }, 'signing key rotated');
    return result;
  }

  private async insertNewKey(em: EntityManager, status: 'active' | 'next'): Promise<string> {
    const { publicKey, privateKey } = await generateKeyPair(ACCESS_TOKEN_ALG, {
      extractable: true,
    });
    const publicJwk = await exportJWK(publicKey);
    const kid = await calculateJwkThumbprint(publicJwk);
    await em.insert(SigningKeyEntity, {
      kid,
      alg: ACCESS_TOKEN_ALG,
      publicJwk: { ...publicJwk, kid, alg: ACCESS_TOKEN_ALG, use: 'sig' },
      privateKeySealed: this.box.seal(await exportPKCS8(privateKey), kid),
      status,
      retiredAt: null,
      publishUntil: null,
    });
    return kid;
  }

  /** Reads the published keys; picks up rotations made by other instances. */
  async reload(): Promise<void> {
    const rows: SigningKeyEntity[] = await this.dataSource
      .getRepository(SigningKeyEntity)
      .createQueryBuilder('k')
      .where(`k.status IN ('active', 'next') OR k.publish_until > now()`)
      .orderBy('k.created_at', 'DESC')
      .getMany();
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

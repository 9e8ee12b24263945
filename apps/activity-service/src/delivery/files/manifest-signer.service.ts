import { createHash, createPrivateKey, generateKeyPairSync, randomBytes, sign } from 'node:crypto';
import type { KeyObject } from 'node:crypto';
import { Injectable, Logger } from '@nestjs/common';
import { DAY_MS, SecretBox } from '@app/common';
import { ActivityEnv } from '../../config/activity.env';
import { SigningKeysRepository, type StoredSigningKey } from './signing-keys.repository';

/** A public key of the JWKS at /delivery-keys. */
export interface DeliveryJwk {
  kty: 'OKP';
  crv: 'Ed25519';
  x: string;
  kid: string;
  alg: 'EdDSA';
  use: 'sig';
}

interface ActiveKey {
  kid: string;
  privateKey: KeyObject;
  createdAt: Date;
}

const b64url = (b: Buffer | string) => Buffer.from(b).toString('base64url');

/**
 * The JSON text a manifest's signature covers: the manifest without `signature`, members sorted
 * by name at every level, no whitespace (RFC 8785 for the strings, integers and booleans a
 * manifest holds).
 */
export function canonicalJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`;
  if (value && typeof value === 'object') {
    const entries = Object.entries(value as Record<string, unknown>)
      .filter(([, v]) => v !== undefined)
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonicalJson(v)}`).join(',')}}`;
  }
  return JSON.stringify(value);
}

/** The payload a receiver rebuilds to check a manifest: itself without `signature`. */
export function signedPayload(manifest: Record<string, unknown>): string {
  const { signature: _signature, ...rest } = manifest;
  return canonicalJson(rest);
}

/**
 * Signs delivery manifests with Ed25519 and publishes the public keys (JWKS). `signature` is a
 * JWS with a detached payload (RFC 7515 appendix F): `<protected header>..<signature>`, header
 * `{alg: "EdDSA", kid}`, payload the manifest's canonical JSON (signedPayload). A receiver puts
 * base64url(payload) between the dots and verifies the compact JWS against the JWKS.
 *
 * Private keys are sealed at rest (SecretBox under ACTIVITY_DELIVERY_KEY_ENCRYPTION_KEY). A new
 * key is made when the newest is ACTIVITY_DELIVERY_KEY_ROTATION_DAYS old; the others are retired
 * and stay published for the look-back window, as long as their files are kept.
 */
@Injectable()
export class ManifestSigner {
  private readonly logger = new Logger(ManifestSigner.name);
  private readonly box: SecretBox;
  private active?: ActiveKey;
  private making?: Promise<ActiveKey>;

  constructor(
    private readonly keys: SigningKeysRepository,
    private readonly env: ActivityEnv,
  ) {
    if (env.ACTIVITY_DELIVERY_KEY_ENCRYPTION_KEY) {
      this.box = SecretBox.fromString(env.ACTIVITY_DELIVERY_KEY_ENCRYPTION_KEY);
    } else {
      // Allowed outside production only (ActivityEnv).
      this.box = new SecretBox(randomBytes(32));
      this.logger.warn(
        'ACTIVITY_DELIVERY_KEY_ENCRYPTION_KEY is unset: using a random key; manifest-signing keys are made anew at each start',
      );
    }
  }

  /** Adds `kid`, `alg` and `signature` to `fields`; the result is the manifest as published. */
  async sign(fields: Record<string, unknown>): Promise<Record<string, unknown>> {
    const key = await this.activeKey();
    const manifest: Record<string, unknown> = { ...fields, alg: 'EdDSA', kid: key.kid };
    const header = b64url(JSON.stringify({ alg: 'EdDSA', kid: key.kid }));
    const input = `${header}.${b64url(signedPayload(manifest))}`;
    const signature = sign(null, Buffer.from(input, 'ascii'), key.privateKey);
    return { ...manifest, signature: `${header}..${b64url(signature)}` };
  }

  /** The published public keys, newest first (a key is made first when there is none). */
  async jwks(now = new Date()): Promise<{ keys: DeliveryJwk[] }> {
    await this.activeKey(now);
    const stored = await this.keys.published(this.publishedSince(now));
    return { keys: stored.map((k) => toJwk(k)) };
  }

  private publishedSince(now: Date): Date {
    return new Date(now.getTime() - this.env.ACTIVITY_MAX_LOOKBACK_DAYS * DAY_MS);
  }

  private async activeKey(now = new Date()): Promise<ActiveKey> {
    const maxAge = this.env.ACTIVITY_DELIVERY_KEY_ROTATION_DAYS * DAY_MS;
    if (this.active && now.getTime() - this.active.createdAt.getTime() < maxAge) {
      return this.active;
    }
    this.making ??= this.loadOrMake(now, maxAge).finally(() => (this.making = undefined));
    this.active = await this.making;
    return this.active;
  }

  private async loadOrMake(now: Date, maxAge: number): Promise<ActiveKey> {
    for (const k of await this.keys.published(this.publishedSince(now))) {
      if (k.retiredAt || now.getTime() - k.createdAt.getTime() >= maxAge) continue;
      try {
        const pem = this.box.open(k.privateKeySealed, k.kid);
        return { kid: k.kid, privateKey: createPrivateKey(pem), createdAt: k.createdAt };
      } catch {
        // Sealed under another key (a development restart): make a new one below.
      }
    }
    const { publicKey, privateKey } = generateKeyPairSync('ed25519');
    const jwk = publicKey.export({ format: 'jwk' }) as { kty: string; crv: string; x: string };
    // RFC 7638 thumbprint: the required members, sorted, no whitespace.
    const kid = b64url(
      createHash('sha256')
        .update(JSON.stringify({ crv: jwk.crv, kty: jwk.kty, x: jwk.x }))
        .digest(),
    );
    const pem = privateKey.export({ format: 'pem', type: 'pkcs8' }) as string;
    await this.keys.insert(kid, { kty: jwk.kty, crv: jwk.crv, x: jwk.x }, this.box.seal(pem, kid));
    await this.keys.retireOthers(kid);
    this.logger.log({ kid }, 'new manifest-signing key');
    return { kid, privateKey, createdAt: now };
  }
}

function toJwk(k: StoredSigningKey): DeliveryJwk {
  return { kty: 'OKP', crv: 'Ed25519', x: k.publicJwk.x!, kid: k.kid, alg: 'EdDSA', use: 'sig' };
}

import { Injectable } from '@nestjs/common';
import { ActivityDatabase } from '../../storage/activity-database';
import { ACTIVITY_SCHEMA } from '../../storage/schema';

const KEYS = `${ACTIVITY_SCHEMA}.delivery_signing_keys`;

/** A manifest-signing key as stored: the public JWK, the private key sealed. */
export interface StoredSigningKey {
  kid: string;
  publicJwk: Record<string, string>;
  privateKeySealed: string;
  createdAt: Date;
  retiredAt: Date | null;
}

/** The SQL of delivery_signing_keys. */
@Injectable()
export class SigningKeysRepository {
  constructor(private readonly db: ActivityDatabase) {}

  /** Keys not retired, or retired after `since`, newest first. */
  async published(since: Date): Promise<StoredSigningKey[]> {
    const rows = await this.db.query<{
      kid: string;
      public_jwk: Record<string, string>;
      private_key_sealed: string;
      created_at: Date;
      retired_at: Date | null;
    }>(
      `SELECT kid, public_jwk, private_key_sealed, created_at, retired_at FROM ${KEYS}
        WHERE retired_at IS NULL OR retired_at > $1::timestamptz
        ORDER BY created_at DESC, kid`,
      [since.toISOString()],
    );
    return rows.map((r) => ({
      kid: r.kid,
      publicJwk: r.public_jwk,
      privateKeySealed: r.private_key_sealed,
      createdAt: r.created_at,
      retiredAt: r.retired_at,
    }));
  }

  async insert(kid: string, publicJwk: Record<string, string>, sealed: string): Promise<void> {
    await this.db.query(
      `INSERT INTO ${KEYS} (kid, public_jwk, private_key_sealed) VALUES ($1, $2::jsonb, $3)
       ON CONFLICT (kid) DO NOTHING`,
      [kid, JSON.stringify(publicJwk), sealed],
    );
  }

  /** Retires every other key still active: it stays published, it no longer signs. */
  async retireOthers(kid: string): Promise<void> {
    await this.db.query(
      `UPDATE ${KEYS} SET retired_at = clock_timestamp() WHERE kid <> $1 AND retired_at IS NULL`,
      [kid],
    );
  }
}

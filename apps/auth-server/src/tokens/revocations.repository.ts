import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import { managerOf, type Transaction } from '../persistence/unit-of-work';
import { RevokedAccessTokenEntity } from './revoked-access-token.entity';

export interface RevokedTokenRow {
  jti: string;
  institutionId: string;
  clientId: string;
  expiresAt: Date;
}

export interface RevokedClientRow {
  clientId: string;
  institutionId: string;
  /** Epoch seconds: tokens issued to the client before it are revoked. */
  issuedBefore: number;
  /** Epoch seconds: when the last of those tokens has expired. */
  expiresAt: number;
}

export interface RevocationRows {
  tokens: { jti: string; exp: number }[];
  clients: { clientId: string; institutionId: string; issuedBefore: number; exp: number }[];
  /** The database's clock when these were read. */
  asOf: Date;
}

/**
 * Revocations: auth.revoked_access_tokens (one token each) and auth.revoked_clients (every
 * token of a disabled client issued before a cut-off). Reads span both tables in one statement.
 */
@Injectable()
export class RevocationsRepository {
  constructor(@InjectDataSource() private readonly dataSource: DataSource) {}

  /** Inserts the tokens; one revoked already stays as it was. */
  async insertTokens(rows: RevokedTokenRow[], tx?: Transaction): Promise<void> {
    await managerOf(this.dataSource, tx)
      .createQueryBuilder()
      .insert()
      .into(RevokedAccessTokenEntity)
      .values(rows)
      .orIgnore()
      .execute();
  }

  /** Records a client revocation; recorded again, the later cut-off and expiry win. */
  async upsertClient(row: RevokedClientRow, tx?: Transaction): Promise<void> {
    await managerOf(this.dataSource, tx).query(
      `INSERT INTO revoked_clients (client_id, institution_id, issued_before, expires_at)
       VALUES ($1, $2, to_timestamp($3), to_timestamp($4))
       ON CONFLICT (client_id) DO UPDATE SET
         institution_id = EXCLUDED.institution_id,
         issued_before = GREATEST(revoked_clients.issued_before, EXCLUDED.issued_before),
         expires_at = GREATEST(revoked_clients.expires_at, EXCLUDED.expires_at),
         revoked_at = now()`,
      [row.clientId, row.institutionId, row.issuedBefore, row.expiresAt],
    );
  }

  /**
   * Whether `jti` is revoked, or (given a client id) a token issued to that client at
   * `issuedAtSeconds` (null: unknown, counted as before any cut-off) falls under its revocation.
   */
  async isRevoked(
    jti: string,
    clientId: string | null,
    issuedAtSeconds: number | null,
  ): Promise<boolean> {
    const [row] = (await this.dataSource.query(
      `SELECT EXISTS (SELECT 1 FROM revoked_access_tokens WHERE jti = $1)
           OR EXISTS (SELECT 1 FROM revoked_clients
                       WHERE $2::text IS NOT NULL AND client_id = $2
                         AND to_timestamp($3::float8) < issued_before) AS revoked`,
      [jti, clientId, issuedAtSeconds],
    )) as { revoked: boolean }[];
    return row!.revoked;
  }

  /**
   * Unexpired revocations recorded at or after `since` (all of them without it), read in one
   * statement so that `asOf` is the instant of exactly what was read.
   */
  async findSince(since: Date | undefined): Promise<RevocationRows> {
    const rows = (await this.dataSource.query(
      `SELECT 'token' AS kind, r.jti AS id, NULL::text AS institution_id,
              NULL::bigint AS issued_before, extract(epoch FROM r.expires_at)::bigint AS exp,
              now() AS as_of
         FROM revoked_access_tokens r
        WHERE r.expires_at > now() AND ($1::timestamptz IS NULL OR r.revoked_at >= $1)
       UNION ALL
       SELECT 'client', c.client_id, c.institution_id,
              ceil(extract(epoch FROM c.issued_before))::bigint,
              extract(epoch FROM c.expires_at)::bigint, now()
         FROM revoked_clients c
        WHERE c.expires_at > now() AND ($1::timestamptz IS NULL OR c.revoked_at >= $1)
       UNION ALL SELECT NULL, NULL, NULL, NULL, NULL, now()`,
      [since ?? null],
    )) as {
      kind: 'token' | 'client' | null;
      id: string;
      institution_id: string | null;
      issued_before: string | null;
      exp: string;
      as_of: Date;
    }[];
    return {
      tokens: rows
        .filter((r) => r.kind === 'token')
        .map((r) => ({ jti: r.id, exp: Number(r.exp) })),
      clients: rows
        .filter((r) => r.kind === 'client')
        .map((r) => ({
          clientId: r.id,
          institutionId: r.institution_id!,
          issuedBefore: Number(r.issued_before),
          exp: Number(r.exp),
        })),
      asOf: new Date(rows[rows.length - 1]!.as_of),
    };
  }
}

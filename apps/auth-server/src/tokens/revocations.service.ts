import { Injectable } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import type { IssuedTo, RevocationCheck } from '@app/common';
import { Repository, type EntityManager } from 'typeorm';
import { AuthEnv } from '../config/auth.env';
import { RevokedAccessTokenEntity } from './revoked-access-token.entity';

export interface RevokedAccessToken {
  jti: string;
  institutionId: string;
  clientId: string;
  expiresAt: Date;
}

export interface RevocationFeed {
  revocations: { jti: string; exp: number }[];
  clientRevocations: {
    clientId: string;
    institutionId: string;
    issuedBefore: number;
    exp: number;
  }[];
  asOf: string;
}

type IntrospectionAnswer = { active: boolean } & Record<string, unknown>;

/**
 * Access tokens revoked before expiry, one by one or all of a disabled client's at once; the
 * list resource servers poll.
 */
@Injectable()
export class RevocationsService implements RevocationCheck {
  constructor(
    @InjectRepository(RevokedAccessTokenEntity)
    private readonly repo: Repository<RevokedAccessTokenEntity>,
    private readonly env: AuthEnv,
  ) {}

  async revoke(tokens: RevokedAccessToken[], em?: EntityManager): Promise<void> {
    const live = tokens.filter((t) => t.expiresAt.getTime() > Date.now());
    if (live.length === 0) return;
    await (em ?? this.repo.manager)
      .createQueryBuilder()
      .insert()
      .into(RevokedAccessTokenEntity)
      .values(live)
      .orIgnore()
      .execute();
  }

  /**
   * Revokes every access token issued to the client until now. The cut-off lies
   * CLIENT_CACHE_TTL_MS (+1 s for `iat`'s rounding) ahead: other instances may still issue
   * tokens to the client that long, from their cached client record.
   */
  async revokeClient(
    client: { clientId: string; institutionId: string },
    em?: EntityManager,
  ): Promise<void> {
    const issuedBefore = Math.ceil((Date.now() + this.env.CLIENT_CACHE_TTL_MS) / 1000) + 1;
    // By then every token issued before the cut-off has expired.
    const expiresAt = issuedBefore + this.env.ACCESS_TOKEN_MAX_LIFETIME_SECONDS;
    await (em ?? this.repo.manager).query(
      `INSERT INTO revoked_clients (client_id, institution_id, issued_before, expires_at)
       VALUES ($1, $2, to_timestamp($3), to_timestamp($4))
       ON CONFLICT (client_id) DO UPDATE SET
         institution_id = EXCLUDED.institution_id,
         issued_before = GREATEST(revoked_clients.issued_before, EXCLUDED.issued_before),
         expires_at = GREATEST(revoked_clients.expires_at, EXCLUDED.expires_at),
         revoked_at = now()`,
      [client.clientId, client.institutionId, issuedBefore, expiresAt],
    );
  }

  async isRevoked(jti: string, issued?: IssuedTo): Promise<boolean> {
    const issuedAt = issued ? (issued.issuedAt?.getTime() ?? 0) / 1000 : null;
    const [row] = (await this.repo.query(
      `SELECT EXISTS (SELECT 1 FROM revoked_access_tokens WHERE jti = $1)
           OR EXISTS (SELECT 1 FROM revoked_clients
                       WHERE $2::text IS NOT NULL AND client_id = $2
                         AND to_timestamp($3::float8) < issued_before) AS revoked`,
      [jti, issued?.clientId ?? null, issuedAt],
    )) as { revoked: boolean }[];
    return row!.revoked;
  }

  /**
   * Introspection's answer, made inactive when the token (access or refresh) was issued to a
   * client before the client was disabled.
   */
  async screenIntrospection<T extends IntrospectionAnswer>(
    answer: T,
  ): Promise<T | { active: false }> {
    if (!answer.active || typeof answer.client_id !== 'string') return answer;
    const issuedAt = typeof answer.iat === 'number' ? new Date(answer.iat * 1000) : undefined;
    const revoked = await this.isRevoked('', { clientId: answer.client_id, issuedAt });
    return revoked ? { active: false } : answer;
  }

  /**
   * Unexpired revocations recorded at or after `since` (all of them without it), read in one
   * statement so that `asOf` is the instant of exactly what was read.
   */
  async feed(since?: Date): Promise<RevocationFeed> {
    const rows: {
      kind: 'token' | 'client' | null;
      id: string;
      institution_id: string | null;
      issued_before: string | null;
      exp: string;
      as_of: Date;
    }[] = await this.repo.query(
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
    );
    const asOf = rows[rows.length - 1]!.as_of;
    return {
      revocations: rows
        .filter((r) => r.kind === 'token')
        .map((r) => ({ jti: r.id, exp: Number(r.exp) })),
      clientRevocations: rows
        .filter((r) => r.kind === 'client')
        .map((r) => ({
          clientId: r.id,
          institutionId: r.institution_id!,
          issuedBefore: Number(r.issued_before),
          exp: Number(r.exp),
        })),
      asOf: new Date(asOf).toISOString(),
    };
  }
}

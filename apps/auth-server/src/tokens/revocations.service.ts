import { Injectable } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import type { RevocationCheck } from '@app/common';
import { Repository, type EntityManager } from 'typeorm';
import { RevokedAccessTokenEntity } from './revoked-access-token.entity';

export interface RevokedAccessToken {
  jti: string;
  institutionId: string;
  clientId: string;
  expiresAt: Date;
}

/** Access tokens revoked before expiry; the list resource servers poll. */
@Injectable()
export class RevocationsService implements RevocationCheck {
  constructor(
    @InjectRepository(RevokedAccessTokenEntity)
    private readonly repo: Repository<RevokedAccessTokenEntity>,
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

  async isRevoked(jti: string): Promise<boolean> {
    return this.repo.existsBy({ jti });
  }

  /** Unexpired revocations recorded at or after `since` (all of them without it). */
  async feed(since?: Date): Promise<{ revocations: { jti: string; exp: number }[]; asOf: string }> {
    const rows: { jti: string; exp: string; as_of: Date }[] = await this.repo.query(
      `SELECT r.jti, extract(epoch FROM r.expires_at)::bigint AS exp, now() AS as_of
         FROM revoked_access_tokens r
        WHERE r.expires_at > now() AND ($1::timestamptz IS NULL OR r.revoked_at >= $1)
       UNION ALL SELECT NULL, NULL, now()`,
      [since ?? null],
    );
    const asOf = rows[rows.length - 1]!.as_of;
    return {
      revocations: rows
        .filter((r) => r.jti !== null)
        .map((r) => ({ jti: r.jti, exp: Number(r.exp) })),
      asOf: new Date(asOf).toISOString(),
    };
  }
}

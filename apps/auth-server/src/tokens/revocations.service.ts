import { Injectable } from '@nestjs/common';
import type { IssuedTo, RevocationCheck } from '@app/common';
import { AuthEnv } from '../config/auth.env';
import type { Transaction } from '../persistence/unit-of-work';
import { RevocationsRepository, type RevokedTokenRow } from './revocations.repository';

export type RevokedAccessToken = RevokedTokenRow;

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
    private readonly repo: RevocationsRepository,
    private readonly env: AuthEnv,
  ) {}

  /** Expired tokens are left out: they are refused anyway. */
  async revoke(tokens: RevokedAccessToken[], tx?: Transaction): Promise<void> {
    const live = tokens.filter((t) => t.expiresAt.getTime() > Date.now());
    if (live.length === 0) return;
    await this.repo.insertTokens(live, tx);
  }

  /**
   * Revokes every access token issued to the client until now. The cut-off lies
   * CLIENT_CACHE_TTL_MS (+1 s for `iat`'s rounding) ahead: other instances may still issue
   * tokens to the client that long, from their cached client record.
   */
  async revokeClient(
    client: { clientId: string; institutionId: string },
    tx?: Transaction,
  ): Promise<void> {
    const issuedBefore = Math.ceil((Date.now() + this.env.CLIENT_CACHE_TTL_MS) / 1000) + 1;
    await this.repo.upsertClient(
      {
        clientId: client.clientId,
        institutionId: client.institutionId,
        issuedBefore,
        // By then every token issued before the cut-off has expired.
        expiresAt: issuedBefore + this.env.ACCESS_TOKEN_MAX_LIFETIME_SECONDS,
      },
      tx,
    );
  }

  isRevoked(jti: string, issued?: IssuedTo): Promise<boolean> {
    const issuedAt = issued ? (issued.issuedAt?.getTime() ?? 0) / 1000 : null;
    return this.repo.isRevoked(jti, issued?.clientId ?? null, issuedAt);
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

  /** Unexpired revocations recorded at or after `since` (all of them without it). */
  async feed(since?: Date): Promise<RevocationFeed> {
    const rows = await this.repo.findSince(since);
    return {
      revocations: rows.tokens,
      clientRevocations: rows.clients,
      asOf: rows.asOf.toISOString(),
    };
  }
}

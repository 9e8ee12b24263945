import { createHash, randomBytes, randomUUID } from 'node:crypto';
import { Injectable, Logger } from '@nestjs/common';
import { AuthEnv } from '../config/auth.env';
import { UnitOfWork, type Transaction } from '../persistence/unit-of-work';
import type { IssuedAccessToken } from './access-token.issuer';
import type { RefreshTokenEntity } from './refresh-token.entity';
import { RefreshTokensRepository } from './refresh-tokens.repository';
import { RevocationsService } from './revocations.service';

export const hashToken = (token: string): string =>
  createHash('sha256').update(token).digest('base64url');

export interface RefreshGrantContext {
  subject: string;
  clientId: string;
  institutionId: string;
  scope: string;
  loginId: string | null;
  userType: string | null;
}

/**
 * Opaque refresh tokens (256 random bits; only their SHA-256 is stored), rotated on every use.
 * Presenting a token that was already exchanged revokes its whole family (RFC 9700 §4.14.2),
 * including the access tokens issued with it.
 */
@Injectable()
export class RefreshTokensService {
  private readonly logger = new Logger(RefreshTokensService.name);

  constructor(
    private readonly repo: RefreshTokensRepository,
    private readonly uow: UnitOfWork,
    private readonly revocations: RevocationsService,
    private readonly env: AuthEnv,
  ) {}

  async mint(
    ctx: RefreshGrantContext,
    access: IssuedAccessToken,
    familyId: string = randomUUID(),
    tx?: Transaction,
  ): Promise<string> {
    const token = randomBytes(32).toString('base64url');
    await this.repo.insert(
      {
        id: randomUUID(),
        tokenHash: hashToken(token),
        familyId,
        ...ctx,
        accessTokenJti: access.jti,
        accessTokenExpiresAt: access.expiresAt,
        expiresAt: new Date(Date.now() + this.env.REFRESH_TOKEN_TTL_SECONDS * 1000),
        usedAt: null,
        revokedAt: null,
      },
      tx,
    );
    return token;
  }

  /**
   * Marks the presented token used and calls `next` to issue its successor in the same
   * transaction; a row lock makes two concurrent exchanges of one token count as reuse.
   */
  async redeem<T>(
    token: string,
    clientId: string,
    next: (old: RefreshTokenEntity, tx: Transaction) => Promise<T>,
  ): Promise<
    { outcome: 'ok'; value: T } | { outcome: 'invalid' | 'expired' | 'reused' | 'revoked' }
  > {
    const result = await this.uow.run(async (tx) => {
      const row = await this.repo.findByHashForUpdate(hashToken(token), tx);
      if (!row || row.clientId !== clientId) return { outcome: 'invalid' as const };
      if (row.revokedAt) return { outcome: 'revoked' as const };
      if (row.usedAt) return { outcome: 'reused' as const, familyId: row.familyId };
      if (row.expiresAt.getTime() <= Date.now()) return { outcome: 'expired' as const };
      await this.repo.markUsed(row.id, tx);
      return { outcome: 'ok' as const, value: await next(row, tx) };
    });
    if (result.outcome === 'reused') {
      this.logger.warn(
        { familyId: result.familyId, clientId },
        'refresh token reuse: family revoked',
      );
      await this.revokeFamily(result.familyId);
      return { outcome: 'reused' };
    }
    return result;
  }

  /** Revokes every refresh token of the family and the access tokens issued with them. */
  async revokeFamily(familyId: string): Promise<void> {
    await this.uow.run((tx) => this.revokeWhere({ familyId }, tx));
  }

  /**
   * A disabled client: its refresh tokens die at once, and every access token issued to it
   * (stored with a refresh token or not) is revoked through a client-level revocation.
   */
  async revokeForClient(client: { clientId: string; institutionId: string }): Promise<void> {
    await this.uow.run(async (tx) => {
      await this.revocations.revokeClient(client, tx);
      await this.revokeWhere({ clientId: client.clientId }, tx);
    });
  }

  async findByToken(token: string): Promise<RefreshTokenEntity | null> {
    return this.repo.findByHash(hashToken(token));
  }

  /** Revokes the live refresh tokens and the access tokens issued with them. */
  private async revokeWhere(
    where: { familyId: string } | { clientId: string },
    tx: Transaction,
  ): Promise<void> {
    const rows = await this.repo.revokeLive(where, tx);
    await this.revocations.revoke(
      rows.map((r) => ({
        jti: r.accessTokenJti,
        institutionId: r.institutionId,
        clientId: r.clientId,
        expiresAt: r.accessTokenExpiresAt,
      })),
      tx,
    );
  }
}

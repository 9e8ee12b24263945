import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource, In, IsNull } from 'typeorm';
import { managerOf, type Transaction } from '../persistence/unit-of-work';
import { RefreshTokenEntity } from './refresh-token.entity';

export type NewRefreshTokenRow = Omit<RefreshTokenEntity, 'createdAt'>;

/** The auth.refresh_tokens table; tokens are found by their hash only. */
@Injectable()
export class RefreshTokensRepository {
  constructor(@InjectDataSource() private readonly dataSource: DataSource) {}

  async insert(row: NewRefreshTokenRow, tx?: Transaction): Promise<void> {
    await managerOf(this.dataSource, tx).insert(RefreshTokenEntity, row);
  }

  findByHash(tokenHash: string): Promise<RefreshTokenEntity | null> {
    return this.dataSource.manager.findOneBy(RefreshTokenEntity, { tokenHash });
  }

  /** The row, locked until `tx` ends: two concurrent exchanges of one token run one after the other. */
  findByHashForUpdate(tokenHash: string, tx: Transaction): Promise<RefreshTokenEntity | null> {
    return tx.manager.findOne(RefreshTokenEntity, {
      where: { tokenHash },
      lock: { mode: 'pessimistic_write' },
    });
  }

  async markUsed(id: string, tx: Transaction): Promise<void> {
    await tx.manager.update(RefreshTokenEntity, { id }, { usedAt: new Date() });
  }

  /** Revokes the family's or the client's tokens not revoked yet, and returns them. */
  async revokeLive(
    where: { familyId: string } | { clientId: string },
    tx: Transaction,
  ): Promise<RefreshTokenEntity[]> {
    const rows = await tx.manager.find(RefreshTokenEntity, {
      where: { ...where, revokedAt: IsNull() },
    });
    if (rows.length === 0) return rows;
    await tx.manager.update(
      RefreshTokenEntity,
      { id: In(rows.map((r) => r.id)) },
      { revokedAt: new Date() },
    );
    return rows;
  }
}

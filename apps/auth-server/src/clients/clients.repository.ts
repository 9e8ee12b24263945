import { Injectable } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import { MoreThan, Repository, type FindOptionsWhere } from 'typeorm';
import { ClientEntity } from './client.entity';

/** A client as inserted (the timestamps are the database's). */
export type NewClientRow = Omit<ClientEntity, 'createdAt' | 'updatedAt'>;
export type ClientChanges = Partial<
  Omit<ClientEntity, 'id' | 'clientId' | 'createdAt' | 'updatedAt'>
>;

/** The auth.clients table. */
@Injectable()
export class ClientsRepository {
  constructor(@InjectRepository(ClientEntity) private readonly repo: Repository<ClientEntity>) {}

  /** On the token endpoint's path (behind ClientsService's cache): one statement, no await here. */
  findActive(clientId: string): Promise<ClientEntity | null> {
    return this.repo.findOneBy({ clientId, status: 'active' });
  }

  /** The client with this id, within `institutionId` when given. */
  find(clientId: string, institutionId?: string): Promise<ClientEntity | null> {
    const where: FindOptionsWhere<ClientEntity> = institutionId
      ? { clientId, institutionId }
      : { clientId };
    return this.repo.findOneBy(where);
  }

  /** Keyset page ordered by client id. */
  list(filter: { institutionId?: string; after?: string; limit: number }): Promise<ClientEntity[]> {
    return this.repo.find({
      where: {
        ...(filter.institutionId ? { institutionId: filter.institutionId } : {}),
        ...(filter.after ? { clientId: MoreThan(filter.after) } : {}),
      },
      order: { clientId: 'ASC' },
      take: filter.limit,
    });
  }

  async insert(row: NewClientRow): Promise<void> {
    await this.repo.insert(row);
  }

  async update(id: string, changes: ClientChanges): Promise<void> {
    await this.repo.update({ id }, changes);
  }

  /** A secret rotation, only if the secret is still `currentHash` (no concurrent rotation). */
  async rotateSecret(
    id: string,
    currentHash: string,
    changes: Pick<
      ClientChanges,
      'secretHash' | 'secretRotatedAt' | 'previousSecretHash' | 'previousSecretExpiresAt'
    >,
  ): Promise<boolean> {
    const result = await this.repo.update({ id, secretHash: currentHash }, changes);
    return (result.affected ?? 0) > 0;
  }

  /**
   * Last uses of clients, in one statement; never moves a time backwards (another instance may
   * have written a later one). Leaves updated_at alone: that is the record's, not its use's.
   */
  async recordUses(uses: { id: string; at: Date }[]): Promise<void> {
    await this.repo.query(
      `UPDATE clients AS c SET last_used_at = u.at
         FROM unnest($1::uuid[], $2::timestamptz[]) AS u(id, at)
        WHERE c.id = u.id AND (c.last_used_at IS NULL OR c.last_used_at < u.at)`,
      [uses.map((u) => u.id), uses.map((u) => u.at.toISOString())],
    );
  }
}

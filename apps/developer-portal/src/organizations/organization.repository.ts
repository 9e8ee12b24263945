import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import { OrganizationEntity } from './organization.entity';

export type OrganizationRecord = Pick<
  OrganizationEntity,
  | 'id'
  | 'name'
  | 'institutionId'
  | 'firstClientId'
  | 'firstSecretShown'
  | 'customersSeededAt'
  | 'activitySeededAt'
  | 'provisionedAt'
  | 'lastError'
>;

export type OrganizationUpdate = Partial<
  Pick<
    OrganizationEntity,
    | 'firstClientId'
    | 'firstSecretShown'
    | 'customersSeededAt'
    | 'activitySeededAt'
    | 'provisionedAt'
    | 'lastError'
  >
>;

@Injectable()
export class OrganizationRepository {
  constructor(@InjectDataSource() private readonly dataSource: DataSource) {}

  private get repo() {
    return this.dataSource.getRepository(OrganizationEntity);
  }

  async findById(id: string): Promise<OrganizationRecord | undefined> {
    return (await this.repo.findOneBy({ id })) ?? undefined;
  }

  async insert(org: { id: string; name: string; institutionId: string }): Promise<void> {
    await this.repo.insert(org);
  }

  async update(id: string, changes: OrganizationUpdate): Promise<void> {
    await this.repo.update({ id }, { ...changes, updatedAt: new Date() });
  }

  /**
   * Runs `work` holding the organization's advisory lock (every replica), so that a double
   * click never provisions twice; 'busy' without running it when someone holds the lock.
   */
  async exclusive<T>(key: string, work: () => Promise<T>): Promise<T | 'busy'> {
    const runner = this.dataSource.createQueryRunner();
    await runner.connect();
    try {
      const [{ locked }] = (await runner.query(
        'SELECT pg_try_advisory_lock(hashtext($1)) AS locked',
        [`portal-org:${key}`],
      )) as [{ locked: boolean }];
      if (!locked) return 'busy';
      try {
        return await work();
      } finally {
        await runner
          .query('SELECT pg_advisory_unlock(hashtext($1))', [`portal-org:${key}`])
          .catch(() => undefined);
      }
    } finally {
      await runner.release();
    }
  }
}

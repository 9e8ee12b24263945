import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import { DeveloperEntity } from './developer.entity';

export interface DeveloperRecord {
  id: string;
  email: string;
  name: string;
  passwordHash: string;
  verified: boolean;
  organizationId: string | null;
}

const record = (d: DeveloperEntity): DeveloperRecord => ({
  id: d.id,
  email: d.email,
  name: d.name,
  passwordHash: d.passwordHash,
  verified: d.emailVerifiedAt !== null,
  organizationId: d.organizationId,
});

@Injectable()
export class DeveloperRepository {
  constructor(@InjectDataSource() private readonly dataSource: DataSource) {}

  private get repo() {
    return this.dataSource.getRepository(DeveloperEntity);
  }

  async findByEmail(email: string): Promise<DeveloperRecord | undefined> {
    const found = await this.repo.findOneBy({ email });
    return found ? record(found) : undefined;
  }

  async findById(id: string): Promise<DeveloperRecord | undefined> {
    const found = await this.repo.findOneBy({ id });
    return found ? record(found) : undefined;
  }

  /** Inserts a developer; false when the email is taken (a concurrent sign-up won). */
  async insert(developer: {
    id: string;
    email: string;
    name: string;
    passwordHash: string;
  }): Promise<boolean> {
    const result = await this.dataSource.query(
      `INSERT INTO portal.developers (id, email, name, password_hash)
       VALUES ($1, $2, $3, $4) ON CONFLICT (email) DO NOTHING RETURNING id`,
      [developer.id, developer.email, developer.name, developer.passwordHash],
    );
    return (result as unknown[]).length > 0;
  }

  async markVerified(id: string): Promise<void> {
    await this.dataSource.query(
      `UPDATE portal.developers SET email_verified_at = COALESCE(email_verified_at, now()),
              updated_at = now() WHERE id = $1`,
      [id],
    );
  }

  async setPasswordHash(id: string, passwordHash: string): Promise<void> {
    await this.repo.update({ id }, { passwordHash, updatedAt: new Date() });
  }

  async setOrganization(id: string, organizationId: string): Promise<void> {
    await this.repo.update({ id }, { organizationId, updatedAt: new Date() });
  }
}

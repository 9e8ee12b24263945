import { Injectable } from '@nestjs/common';
import { UnitOfWork } from '../persistence/unit-of-work';
import { CredentialEntity } from './credential.entity';

/** The `credentials` table (one password hash per customer). */
@Injectable()
export class CredentialRepository {
  constructor(private readonly uow: UnitOfWork) {}

  /** The customer behind a loginId (its case-folded key) in an FI, and its hash: one query. */
  async findByLogin(
    institutionId: string,
    loginIdKey: string,
  ): Promise<{ customerId: string; passwordHash: string } | undefined> {
    const [row] = (await this.uow.manager.query(
      `SELECT c.id, cr.password_hash
         FROM customers c JOIN credentials cr ON cr.customer_id = c.id
        WHERE c.institution_id = $1 AND c.login_id_key = $2`,
      [institutionId, loginIdKey],
    )) as { id: string; password_hash: string }[];
    return row ? { customerId: row.id, passwordHash: row.password_hash } : undefined;
  }

  async insert(customerId: string, passwordHash: string, at: Date): Promise<void> {
    await this.uow.manager.insert(CredentialEntity, {
      customerId,
      passwordHash,
      passwordChangedAt: at,
    });
  }

  async replaceHash(customerId: string, passwordHash: string, at: Date): Promise<void> {
    await this.uow.manager.update(
      CredentialEntity,
      { customerId },
      { passwordHash, passwordChangedAt: at },
    );
  }
}

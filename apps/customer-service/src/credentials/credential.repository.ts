import { Injectable } from '@nestjs/common';
import { UnitOfWork, type GatedStatement } from '../persistence/unit-of-work';
import type { UserStatus, UserType } from '../customers/customer-status';
import type { CustomerEntity } from '../customers/customer.entity';
import { CredentialEntity } from './credential.entity';

/** A loginId's customer as a credential check reads it, with its password hash. */
export interface LoginRecord {
  customerId: string;
  passwordHash: string;
  customer: Pick<
    CustomerEntity,
    | 'id'
    | 'institutionId'
    | 'loginId'
    | 'userType'
    | 'institutionCustomerId'
    | 'status'
    | 'failedLoginCount'
    | 'version'
  >;
}

/** The `credentials` table (one password hash per customer). */
@Injectable()
export class CredentialRepository {
  constructor(private readonly uow: UnitOfWork) {}

  /**
   * The customer behind a loginId (its case-folded key) in an FI, and its hash: one query. The
   * row also says what a successful login decides on (status, failed count, version) and what
   * its event names, so the common success needs no second read (CredentialsService).
   */
  async findByLogin(institutionId: string, loginIdKey: string): Promise<LoginRecord | undefined> {
    const [row] = (await this.uow.manager.query(
      `SELECT c.id, c.institution_id, c.login_id, c.user_type, c.institution_customer_id,
              c.status, c.failed_login_count, c.version, cr.password_hash
         FROM customers c JOIN credentials cr ON cr.customer_id = c.id
        WHERE c.institution_id = $1 AND c.login_id_key = $2`,
      [institutionId, loginIdKey],
    )) as {
      id: string;
      institution_id: string;
      login_id: string;
      user_type: UserType;
      institution_customer_id: string | null;
      status: UserStatus;
      failed_login_count: number;
      version: number;
      password_hash: string;
    }[];
    return row
      ? {
          customerId: row.id,
          passwordHash: row.password_hash,
          customer: {
            id: row.id,
            institutionId: row.institution_id,
            loginId: row.login_id,
            userType: row.user_type,
            institutionCustomerId: row.institution_customer_id,
            status: row.status,
            failedLoginCount: row.failed_login_count,
            version: row.version,
          },
        }
      : undefined;
  }

  async insert(customerId: string, passwordHash: string, at: Date): Promise<void> {
    await this.uow.manager.insert(CredentialEntity, {
      customerId,
      passwordHash,
      passwordChangedAt: at,
    });
  }

  /** `insert` as a part of one statement (UnitOfWork.together), applied when `gate` holds. */
  insertStatement(customerId: string, passwordHash: string, at: Date): GatedStatement {
    return (gate) => ({
      sql: `INSERT INTO credentials (customer_id, password_hash, password_changed_at)
            SELECT $1::uuid, $2::text, $3::timestamptz WHERE ${gate}`,
      params: [customerId, passwordHash, at],
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

import { Injectable } from '@nestjs/common';
import { UUID_PATTERN } from '@app/common';
import { UnitOfWork, type GatedStatement, type SqlStatement } from '../persistence/unit-of-work';
import type { UserStatus } from './customer-status';
import { CustomerEntity } from './customer.entity';

/** A status change to apply, guarded by the status it was computed from. */
export interface StatusChange {
  customerId: string;
  from: UserStatus;
  to: UserStatus;
}

/** The `customers` table. Joins the caller's unit of work when there is one. */
@Injectable()
export class CustomerRepository {
  constructor(private readonly uow: UnitOfWork) {}

  /**
   * The customer with this id in this FI, optionally row-locked for a change; undefined for
   * another FI's customer and for an id that is not even a UUID.
   */
  async findInInstitution(
    institutionId: string,
    customerId: string,
    options: { forUpdate?: boolean } = {},
  ): Promise<CustomerEntity | undefined> {
    if (!UUID_PATTERN.test(customerId)) return undefined;
    const customer = await this.uow.manager.findOne(CustomerEntity, {
      where: { id: customerId.toLowerCase(), institutionId },
      ...(options.forUpdate ? { lock: { mode: 'pessimistic_write' as const } } : {}),
    });
    return customer ?? undefined;
  }

  /** Row-locked, within a unit of work: the customer a credential check is about. */
  async lockById(customerId: string): Promise<CustomerEntity | undefined> {
    const customer = await this.uow.manager.findOne(CustomerEntity, {
      where: { id: customerId },
      lock: { mode: 'pessimistic_write' },
    });
    return customer ?? undefined;
  }

  async loginIdTaken(institutionId: string, loginIdKey: string): Promise<boolean> {
    const rows = (await this.uow.manager.query(
      'SELECT 1 FROM customers WHERE institution_id = $1 AND login_id_key = $2',
      [institutionId, loginIdKey],
    )) as unknown[];
    return rows.length > 0;
  }

  /**
   * Inserts the customer, as a part of one statement (UnitOfWork.together) applied only when
   * `gate` holds, unless the loginId is taken in the FI (meanwhile): ON CONFLICT DO NOTHING
   * makes that an answer, not a failed statement whose parameters (personal data) the driver
   * would log. Returns the id when it was inserted.
   */
  insertStatement(c: CustomerEntity): GatedStatement {
    return (gate) => ({
      sql: `INSERT INTO customers (id, institution_id, login_id, login_id_key, user_type,
              institution_customer_id, member_number, status, first_name, middle_name, last_name,
              birth_date, ssn_sealed, ssn_last4, email_address, phone_number, postal_address,
              failed_login_count, locked_at, last_login_at, version, created_at, updated_at)
            SELECT $1::uuid, $2::text, $3::text, $4::text, $5::text, $6::text, $7::text, $8::text,
                   $9::text, $10::text, $11::text, $12::date, $13::text, $14::text, $15::text,
                   $16::text, $17::jsonb, $18::integer, $19::timestamptz, $20::timestamptz,
                   $21::integer, $22::timestamptz, $23::timestamptz
             WHERE ${gate}
            ON CONFLICT DO NOTHING
            RETURNING id`,
      params: [
        c.id,
        c.institutionId,
        c.loginId,
        c.loginIdKey,
        c.userType,
        c.institutionCustomerId,
        c.memberNumber,
        c.status,
        c.firstName,
        c.middleName,
        c.lastName,
        c.birthDate,
        c.ssnSealed,
        c.ssnLast4,
        c.emailAddress,
        c.phoneNumber,
        JSON.stringify(c.postalAddress),
        c.failedLoginCount,
        c.lockedAt,
        c.lastLoginAt,
        c.version,
        c.createdAt,
        c.updatedAt,
      ],
    });
  }

  /**
   * A successful login without failures to clear, as a statement to compose (not run): sets
   * `last_login_at` and, when the login changes the status (a first login), the status with a
   * new version. It applies only while the row is still as it was read (same version, status,
   * no failures), and then returns the id. Any change since (a failure counted, a lock, an
   * edit) bumps the version, so it then returns nothing and the caller takes the locking path.
   */
  lastLoginIfUnchanged(
    read: Pick<CustomerEntity, 'id' | 'version' | 'status'>,
    at: Date,
    status: UserStatus = read.status,
  ): SqlStatement {
    if (status === read.status)
      return {
        sql: `UPDATE customers SET last_login_at = $1
               WHERE id = $2 AND version = $3 AND status = $4 AND failed_login_count = 0
              RETURNING id`,
        params: [at, read.id, read.version, read.status],
      };
    return {
      sql: `UPDATE customers
               SET last_login_at = $1, status = $5, version = version + 1, updated_at = $1
             WHERE id = $2 AND version = $3 AND status = $4 AND failed_login_count = 0
            RETURNING id`,
      params: [at, read.id, read.version, read.status, status],
    };
  }

  async update(customerId: string, changes: Partial<CustomerEntity>): Promise<void> {
    await this.uow.manager.update(CustomerEntity, { id: customerId }, changes);
  }

  /**
   * The FI's customers whose status follows from the disclosures in force (not locked), with
   * how many required versions in force each has not accepted.
   */
  async pendingDisclosureCounts(
    institutionId: string,
  ): Promise<
    { customerId: string; status: UserStatus; lastLoginAt: Date | null; pending: number }[]
  > {
    const rows = (await this.uow.manager.query(
      `WITH in_force AS (
         SELECT DISTINCT ON (disclosure_id) disclosure_id, version, required
           FROM disclosures
          WHERE institution_id = $1 AND activated_at IS NOT NULL
          ORDER BY disclosure_id, effective_at DESC, created_at DESC
       )
       SELECT c.id, c.status, c.last_login_at,
              (SELECT count(*) FROM in_force f
                WHERE f.required
                  AND NOT EXISTS (SELECT 1 FROM disclosure_acceptances a
                                   WHERE a.customer_id = c.id
                                     AND a.disclosure_id = f.disclosure_id
                                     AND a.version = f.version))::int AS pending
         FROM customers c
        WHERE c.institution_id = $1
          AND c.status IN ('registered', 'active', 'needsToAcceptDisclosure')`,
      [institutionId],
    )) as { id: string; status: UserStatus; last_login_at: Date | null; pending: number }[];
    return rows.map((r) => ({
      customerId: r.id,
      status: r.status,
      lastLoginAt: r.last_login_at,
      pending: r.pending,
    }));
  }

  /**
   * Applies status changes in one statement, each only if the row still has the status it was
   * computed from (a customer locked meanwhile is left alone). Returns the changes applied.
   */
  async applyStatusChanges(changes: StatusChange[]): Promise<StatusChange[]> {
    if (changes.length === 0) return [];
    // An UPDATE answers [rows, affected count] through TypeORM.
    const [rows] = (await this.uow.manager.query(
      `UPDATE customers c
          SET status = v.to_status, version = c.version + 1, updated_at = now()
         FROM unnest($1::uuid[], $2::text[], $3::text[]) AS v(id, from_status, to_status)
        WHERE c.id = v.id AND c.status = v.from_status
       RETURNING c.id, v.from_status, v.to_status`,
      [changes.map((c) => c.customerId), changes.map((c) => c.from), changes.map((c) => c.to)],
    )) as [{ id: string; from_status: UserStatus; to_status: UserStatus }[], number];
    return rows.map((r) => ({ customerId: r.id, from: r.from_status, to: r.to_status }));
  }
}

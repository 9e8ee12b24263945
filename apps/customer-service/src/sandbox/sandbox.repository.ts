import { Injectable } from '@nestjs/common';
import { UnitOfWork } from '../persistence/unit-of-work';

/** A customer of the FI as the sandbox summary names it. */
export interface SandboxCustomerRow {
  customerId: string;
  loginIdKey: string;
  loginId: string;
  userType: string;
  institutionCustomerId: string | null;
}

/** Rows removed by a wipe, per table (for the log). */
export interface WipeCounts {
  outboxEvents: number;
  idempotencyRecords: number;
  auditEvents: number;
  disclosureAcceptances: number;
  customers: number;
  disclosures: number;
}

/**
 * The sandbox FIs' own statements: the per-FI lock that serialises a seed with a wipe, the
 * customers a seed finds already there, and the wipe. Only the sandbox service calls these, and
 * only for an `sbx-` FI; the append-only triggers refuse any other FI's deletes anyway
 * (migration SandboxWipe1796300000000).
 */
@Injectable()
export class SandboxRepository {
  constructor(private readonly uow: UnitOfWork) {}

  /** Until the unit of work ends: one seed or wipe of this FI at a time, on every replica. */
  async lockInstitution(institutionId: string): Promise<void> {
    await this.uow.manager.query('SELECT pg_advisory_xact_lock(hashtext($1))', [
      `customer:sandbox:${institutionId}`,
    ]);
  }

  /** The FI's customers with these login id keys (UQ_customers_login). */
  async customersByLoginIdKeys(
    institutionId: string,
    loginIdKeys: string[],
  ): Promise<SandboxCustomerRow[]> {
    return (await this.uow.manager.query(
      `SELECT id AS "customerId", login_id_key AS "loginIdKey", login_id AS "loginId",
              user_type AS "userType", institution_customer_id AS "institutionCustomerId"
         FROM customers WHERE institution_id = $1 AND login_id_key = ANY($2::text[])`,
      [institutionId, loginIdKeys],
    )) as SandboxCustomerRow[];
  }

  /**
   * Deletes everything of the FI, in the caller's unit of work: its outbox rows (pending ones
   * too, so nothing reaches the activity-service after the wipe), idempotency records, audit
   * trail and acceptances (the triggers let exactly this FI's rows go, for this transaction
   * only), customers (credentials cascade) and disclosures. Set-based, through the tables'
   * FI or customer indexes where they have one; a sandbox FI holds few rows.
   */
  async wipe(institutionId: string): Promise<WipeCounts> {
    const q = this.uow.manager;
    await q.query(`SELECT set_config('customer.sandbox_wipe', $1, true)`, [institutionId]);
    const count = async (sql: string): Promise<number> => {
      const [, affected] = (await q.query(sql, [institutionId])) as [unknown, number];
      return affected;
    };
    const ofCustomers = `customer_id IN (SELECT id FROM customers WHERE institution_id = $1)`;
    const counts: WipeCounts = {
      outboxEvents: await count('DELETE FROM outbox_events WHERE institution_id = $1'),
      idempotencyRecords: await count('DELETE FROM idempotency_records WHERE institution_id = $1'),
      auditEvents: await count(
        `DELETE FROM audit_events WHERE ${ofCustomers} AND institution_id = $1`,
      ),
      disclosureAcceptances: await count(
        `DELETE FROM disclosure_acceptances WHERE ${ofCustomers} AND institution_id = $1`,
      ),
      customers: await count('DELETE FROM customers WHERE institution_id = $1'),
      disclosures: await count('DELETE FROM disclosures WHERE institution_id = $1'),
    };
    await q.query(`SELECT set_config('customer.sandbox_wipe', '', true)`);
    return counts;
  }
}

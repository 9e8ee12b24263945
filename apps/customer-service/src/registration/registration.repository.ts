import { Injectable } from '@nestjs/common';
import { UnitOfWork, type GatedStatement, type SqlStatement } from '../persistence/unit-of-work';

export interface RegistrationWrites {
  /** The FI's `inForceKey` under its disclosure lock (DisclosuresService). */
  inForceUnderLock: SqlStatement;
  /** The `inForceKey` the acceptances were checked against. */
  checkedInForceKey: string;
  /** The customer's insert, returning its id when inserted (not when the loginId is taken). */
  customer: GatedStatement;
  /** Everything else the registration writes, applied only with the customer. */
  with: GatedStatement[];
}

export interface RegistrationOutcome {
  inserted: boolean;
  /** The versions in force under the lock, as a key: differs from the checked one if changed. */
  inForceKey: string;
}

/**
 * A registration's writes as ONE statement: one round trip and one commit, instead of a
 * transaction of a lock, a read and an insert per table. The customer is inserted only if the
 * disclosures in force under the FI's lock are the ones its acceptances were checked against
 * (as the transaction's second check under the lock did), and only if its loginId is free;
 * the credentials, acceptances, events, audit entry and idempotent response only with it.
 */
@Injectable()
export class RegistrationRepository {
  constructor(private readonly uow: UnitOfWork) {}

  async insert(writes: RegistrationWrites): Promise<RegistrationOutcome> {
    const [row] = await this.uow.together<{ in_force: string; inserted: boolean }>(
      [
        // Materialized: evaluated once, before the insert that depends on it.
        {
          name: 'checked',
          statement: { sql: 'SELECT $1::text AS key', params: [writes.checkedInForceKey] },
        },
        { name: 'locked', statement: writes.inForceUnderLock },
        {
          name: 'customer_row',
          statement: writes.customer('(SELECT in_force FROM locked) = (SELECT key FROM checked)'),
        },
        ...writes.with.map((part, i) => ({
          name: `write_${i}`,
          statement: part('EXISTS (SELECT 1 FROM customer_row)'),
        })),
      ],
      'SELECT (SELECT in_force FROM locked), EXISTS (SELECT 1 FROM customer_row) AS inserted',
    );
    return { inserted: row!.inserted, inForceKey: row!.in_force };
  }
}

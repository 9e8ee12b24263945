import { Injectable } from '@nestjs/common';
import { UnitOfWork, type GatedStatement } from '../persistence/unit-of-work';
import { AuditEventEntity } from './audit-event.entity';

/** The append-only `audit_events` table; rows arrive already masked (AuditService). */
@Injectable()
export class AuditRepository {
  constructor(private readonly uow: UnitOfWork) {}

  async insert(rows: AuditEventEntity[]): Promise<void> {
    if (rows.length === 0) return;
    await this.uow.manager.insert(AuditEventEntity, rows);
  }

  /** `insert` as a part of one statement (UnitOfWork.together), applied when `gate` holds. */
  insertStatement(rows: AuditEventEntity[]): GatedStatement {
    return (gate) => ({
      sql: `INSERT INTO audit_events
              (id, customer_id, institution_id, action, actor_type, actor_id, client_id,
               ip_address, transaction_id, changes, occurred_at)
            SELECT * FROM unnest($1::uuid[], $2::uuid[], $3::text[], $4::text[], $5::text[],
                                 $6::text[], $7::text[], $8::text[], $9::text[], $10::jsonb[],
                                 $11::timestamptz[])
             WHERE ${gate}`,
      params: [
        rows.map((r) => r.id),
        rows.map((r) => r.customerId),
        rows.map((r) => r.institutionId),
        rows.map((r) => r.action),
        rows.map((r) => r.actorType),
        rows.map((r) => r.actorId),
        rows.map((r) => r.clientId),
        rows.map((r) => r.ipAddress),
        rows.map((r) => r.transactionId),
        rows.map((r) => JSON.stringify(r.changes)),
        rows.map((r) => r.occurredAt),
      ],
    });
  }
}

import { Injectable } from '@nestjs/common';
import { UnitOfWork } from '../persistence/unit-of-work';
import { AuditEventEntity } from './audit-event.entity';

/** The append-only `audit_events` table; rows arrive already masked (AuditService). */
@Injectable()
export class AuditRepository {
  constructor(private readonly uow: UnitOfWork) {}

  async insert(rows: AuditEventEntity[]): Promise<void> {
    if (rows.length === 0) return;
    await this.uow.manager.insert(AuditEventEntity, rows);
  }
}

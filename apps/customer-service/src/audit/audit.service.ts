import { randomUUID } from 'node:crypto';
import { Injectable } from '@nestjs/common';
import type { RequestContext } from '../http/request-context';
import type { GatedStatement } from '../persistence/unit-of-work';
import type { AuditAction, AuditEventEntity } from './audit-event.entity';
import { AuditRepository } from './audit.repository';
import { maskField } from './masking';

export interface AuditEntry {
  customerId: string;
  institutionId: string;
  action: AuditAction;
  /** Raw old/new values; masked here, so no caller can forget. */
  changes: { field: string; old: unknown; new: unknown }[];
}

/**
 * The only writer of the audit trail: every entry is masked here. Writes join the caller's
 * unit of work, so an entry exists exactly when its change does.
 */
@Injectable()
export class AuditService {
  constructor(private readonly audit: AuditRepository) {}

  record(entry: AuditEntry, ctx: RequestContext): Promise<void> {
    return this.recordMany([entry], ctx);
  }

  /** Several entries of one context in one statement (e.g. a disclosure settling an FI). */
  async recordMany(entries: AuditEntry[], ctx: RequestContext): Promise<void> {
    await this.audit.insert(this.rows(entries, ctx));
  }

  /** `record` as a part of a caller's single statement (UnitOfWork.together). */
  recordStatement(entry: AuditEntry, ctx: RequestContext): GatedStatement {
    return this.audit.insertStatement(this.rows([entry], ctx));
  }

  private rows(entries: AuditEntry[], ctx: RequestContext): AuditEventEntity[] {
    const occurredAt = new Date();
    return entries.map((entry): AuditEventEntity => ({
      id: randomUUID(),
      customerId: entry.customerId,
      institutionId: entry.institutionId,
      action: entry.action,
      actorType: ctx.actor.type,
      actorId: ctx.actor.id,
      clientId: ctx.clientId ?? null,
      ipAddress: ctx.ipAddress ?? null,
      transactionId: ctx.transactionId ?? null,
      changes: entry.changes.map((c) => ({
        field: c.field,
        old: maskField(c.field, c.old),
        new: maskField(c.field, c.new),
      })),
      occurredAt,
    }));
  }
}

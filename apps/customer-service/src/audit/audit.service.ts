import { randomUUID } from 'node:crypto';
import { Injectable } from '@nestjs/common';
import type { EntityManager } from 'typeorm';
import type { RequestContext } from '../http/request-context';
import { AuditEventEntity, type AuditAction } from './audit-event.entity';
import { maskField } from './masking';

export interface AuditEntry {
  customerId: string;
  institutionId: string;
  action: AuditAction;
  /** Raw old/new values; masked here, so no caller can forget. */
  changes: { field: string; old: unknown; new: unknown }[];
}

/** Writes the audit trail in the caller's transaction. */
@Injectable()
export class AuditService {
  async record(em: EntityManager, entry: AuditEntry, ctx: RequestContext): Promise<void> {
    await em.insert(AuditEventEntity, {
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
      occurredAt: new Date(),
    });
  }
}

import { Column, Entity, Index, PrimaryColumn } from 'typeorm';
import type { FlatJson } from '../http/json';

export type AuditAction =
  'registered' | 'profileUpdated' | 'disclosureAccepted' | 'statusChanged' | 'locked' | 'unlocked';

export type ActorType = 'client' | 'customer' | 'system';

/** One field of a change; sensitive values are masked before they get here. */
export interface AuditChange {
  field: string;
  old: FlatJson;
  new: FlatJson;
}

/**
 * The audit trail of every change to a customer: who, when, from where, what changed (masked).
 * Append-only: a trigger in the migration refuses UPDATE and DELETE.
 */
@Entity({ name: 'audit_events' })
@Index('IDX_audit_events_customer', ['customerId', 'occurredAt'])
export class AuditEventEntity {
  @PrimaryColumn({ type: 'uuid' })
  id!: string;

  @Column({ name: 'customer_id', type: 'uuid' })
  customerId!: string;

  @Column({ name: 'institution_id', type: 'text' })
  institutionId!: string;

  @Column({ type: 'text' })
  action!: AuditAction;

  @Column({ name: 'actor_type', type: 'text' })
  actorType!: ActorType;

  /** Client id, customer id, or the name of the job. */
  @Column({ name: 'actor_id', type: 'text' })
  actorId!: string;

  @Column({ name: 'client_id', type: 'text', nullable: true })
  clientId!: string | null;

  @Column({ name: 'ip_address', type: 'text', nullable: true })
  ipAddress!: string | null;

  @Column({ name: 'transaction_id', type: 'text', nullable: true })
  transactionId!: string | null;

  @Column({ type: 'jsonb' })
  changes!: AuditChange[];

  @Column({ name: 'occurred_at', type: 'timestamptz' })
  occurredAt!: Date;
}

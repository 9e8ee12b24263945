import { Check, Column, Entity, Index, PrimaryColumn } from 'typeorm';

export type IdempotencyState = 'inFlight' | 'completed';

/** An `Idempotency-Key` of one client, the fingerprint of its request and, once done, the response. */
@Entity({ name: 'idempotency_records' })
@Index('IDX_idempotency_records_expires', ['expiresAt'])
@Check('CK_idempotency_records_state', `"state" IN ('inFlight', 'completed')`)
export class IdempotencyRecordEntity {
  @PrimaryColumn({ name: 'client_id', type: 'text' })
  clientId!: string;

  @PrimaryColumn({ name: 'idempotency_key', type: 'text' })
  idempotencyKey!: string;

  @Column({ name: 'institution_id', type: 'text' })
  institutionId!: string;

  /** HMAC of method, path and body: a password in the body cannot be brute-forced from it. */
  @Column({ name: 'request_hash', type: 'text' })
  requestHash!: string;

  @Column({ type: 'text' })
  state!: IdempotencyState;

  /** An in-flight claim older than this was abandoned (crash) and may be taken over. */
  @Column({ name: 'locked_until', type: 'timestamptz' })
  lockedUntil!: Date;

  @Column({ name: 'response_status', type: 'integer', nullable: true })
  responseStatus!: number | null;

  @Column({ name: 'response_headers', type: 'jsonb', nullable: true })
  responseHeaders!: Record<string, string> | null;

  /**
   * The response body as JSON, sealed (AES-256-GCM under a key derived from the SSN key, the
   * client id and idempotency key as associated data): a registration answers with the profile.
   */
  @Column({ name: 'response_body_sealed', type: 'text', nullable: true })
  responseBodySealed!: string | null;

  @Column({ name: 'created_at', type: 'timestamptz' })
  createdAt!: Date;

  @Column({ name: 'expires_at', type: 'timestamptz' })
  expiresAt!: Date;
}

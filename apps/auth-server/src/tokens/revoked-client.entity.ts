import { Column, Entity, Index, PrimaryColumn } from 'typeorm';

/**
 * A disabled client: every access token issued to it before `issuedBefore` is revoked. Carried
 * in the feed resource servers poll, until `expiresAt` (when all those tokens have expired).
 */
@Entity({ name: 'revoked_clients' })
@Index('IDX_revoked_clients_revoked_at', ['revokedAt'])
export class RevokedClientEntity {
  @PrimaryColumn({ name: 'client_id', type: 'text' })
  clientId!: string;

  @Column({ name: 'institution_id', type: 'text' })
  institutionId!: string;

  @Column({ name: 'issued_before', type: 'timestamptz' })
  issuedBefore!: Date;

  @Column({ name: 'expires_at', type: 'timestamptz' })
  expiresAt!: Date;

  /** When recorded (again, if disabled twice): the feed's `since` compares against it. */
  @Column({ name: 'revoked_at', type: 'timestamptz', default: () => 'now()' })
  revokedAt!: Date;
}

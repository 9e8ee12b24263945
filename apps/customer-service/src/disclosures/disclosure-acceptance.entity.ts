import { Column, Entity, Index, JoinColumn, ManyToOne, PrimaryColumn } from 'typeorm';
import { CustomerEntity } from '../customers/customer.entity';

/**
 * That a customer accepted one version of a disclosure, when, from where and through which
 * client. Append-only: a trigger in the migration refuses UPDATE and DELETE.
 */
@Entity({ name: 'disclosure_acceptances' })
@Index('UQ_disclosure_acceptances', ['customerId', 'disclosureId', 'version'], { unique: true })
export class DisclosureAcceptanceEntity {
  @PrimaryColumn({ type: 'uuid' })
  id!: string;

  @Column({ name: 'customer_id', type: 'uuid' })
  customerId!: string;

  @ManyToOne(() => CustomerEntity, { onDelete: 'RESTRICT' })
  @JoinColumn({
    name: 'customer_id',
    foreignKeyConstraintName: 'FK_disclosure_acceptances_customer',
  })
  customer?: CustomerEntity;

  @Column({ name: 'institution_id', type: 'text' })
  institutionId!: string;

  @Column({ name: 'disclosure_id', type: 'text' })
  disclosureId!: string;

  @Column({ type: 'text' })
  version!: string;

  @Column({ name: 'accepted_at', type: 'timestamptz' })
  acceptedAt!: Date;

  @Column({ name: 'ip_address', type: 'text', nullable: true })
  ipAddress!: string | null;

  @Column({ name: 'user_agent', type: 'text', nullable: true })
  userAgent!: string | null;

  /** The client the acceptance came through (the FI's app). */
  @Column({ name: 'client_id', type: 'text' })
  clientId!: string;
}

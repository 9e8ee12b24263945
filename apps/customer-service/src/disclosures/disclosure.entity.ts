import { Column, Entity, Index, PrimaryColumn } from 'typeorm';

/**
 * One version of an FI's disclosure (terms, e-sign consent, privacy notice...). Versions are
 * never edited: publishing a change is publishing a new version. The latest activated
 * version of each disclosure is the one in force.
 */
@Entity({ name: 'disclosures' })
@Index('UQ_disclosures_version', ['institutionId', 'disclosureId', 'version'], { unique: true })
@Index('IDX_disclosures_in_force', ['institutionId', 'disclosureId', 'effectiveAt'])
@Index('IDX_disclosures_pending_activation', ['effectiveAt'], { where: '"activated_at" IS NULL' })
export class DisclosureEntity {
  @PrimaryColumn({ type: 'uuid' })
  id!: string;

  @Column({ name: 'institution_id', type: 'text' })
  institutionId!: string;

  /** The FI's stable name for the disclosure, e.g. `e-sign-consent`. */
  @Column({ name: 'disclosure_id', type: 'text' })
  disclosureId!: string;

  @Column({ type: 'text' })
  version!: string;

  @Column({ type: 'text' })
  name!: string;

  @Column({ type: 'boolean' })
  required!: boolean;

  @Column({ type: 'text' })
  content!: string;

  @Column({ name: 'effective_at', type: 'timestamptz' })
  effectiveAt!: Date;

  /**
   * Set when the version took effect: from then on it is in force and, when required,
   * customers who had not accepted it were moved to `needsToAcceptDisclosure`.
   */
  @Column({ name: 'activated_at', type: 'timestamptz', nullable: true })
  activatedAt!: Date | null;

  @Column({ name: 'published_by', type: 'text' })
  publishedBy!: string;

  @Column({ name: 'created_at', type: 'timestamptz' })
  createdAt!: Date;
}

import { Column, Entity, PrimaryColumn, Unique } from 'typeorm';

/**
 * A developer's sandbox organization: its own FI (`sbx-...`) and the provisioning steps done so
 * far, each recorded when it succeeds so that a retry continues where a failure stopped.
 */
@Entity({ name: 'organizations' })
@Unique('UQ_organizations_institution', ['institutionId'])
export class OrganizationEntity {
  @PrimaryColumn({ type: 'uuid', primaryKeyConstraintName: 'PK_organizations' })
  id!: string;

  @Column({ type: 'text' })
  name!: string;

  @Column({ name: 'institution_id', type: 'varchar', length: 64 })
  institutionId!: string;

  /** The first app, created at the auth-server (its Shared Key). */
  @Column({ name: 'first_client_id', type: 'varchar', length: 64, nullable: true })
  firstClientId!: string | null;

  /** Whether the first app's Secret Key has been shown (once) to the developer. */
  @Column({ name: 'first_secret_shown', type: 'boolean', default: false })
  firstSecretShown!: boolean;

  @Column({ name: 'customers_seeded_at', type: 'timestamptz', nullable: true })
  customersSeededAt!: Date | null;

  @Column({ name: 'activity_seeded_at', type: 'timestamptz', nullable: true })
  activitySeededAt!: Date | null;

  /** Set when every step is done. */
  @Column({ name: 'provisioned_at', type: 'timestamptz', nullable: true })
  provisionedAt!: Date | null;

  /** What the last failed step said (for the developer's retry page and the logs). */
  @Column({ name: 'last_error', type: 'text', nullable: true })
  lastError!: string | null;

  @Column({ name: 'created_at', type: 'timestamptz', default: () => 'now()' })
  createdAt!: Date;

  @Column({ name: 'updated_at', type: 'timestamptz', default: () => 'now()' })
  updatedAt!: Date;
}

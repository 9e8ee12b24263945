import { Column, Entity, JoinColumn, ManyToOne, PrimaryColumn, Unique } from 'typeorm';
import { OrganizationEntity } from '../organizations/organization.entity';

/** A developer account: email (lower-cased, unique), name, argon2id password hash. */
@Entity({ name: 'developers' })
@Unique('UQ_developers_email', ['email'])
export class DeveloperEntity {
  @PrimaryColumn({ type: 'uuid', primaryKeyConstraintName: 'PK_developers' })
  id!: string;

  @Column({ type: 'varchar', length: 254 })
  email!: string;

  @Column({ type: 'text' })
  name!: string;

  @Column({ name: 'password_hash', type: 'text' })
  passwordHash!: string;

  @Column({ name: 'email_verified_at', type: 'timestamptz', nullable: true })
  emailVerifiedAt!: Date | null;

  @Column({ name: 'organization_id', type: 'uuid', nullable: true })
  organizationId!: string | null;

  @ManyToOne(() => OrganizationEntity, {
    onDelete: 'SET NULL',
    createForeignKeyConstraints: true,
  })
  @JoinColumn({
    name: 'organization_id',
    foreignKeyConstraintName: 'FK_developers_organization',
  })
  organization?: OrganizationEntity;

  @Column({ name: 'created_at', type: 'timestamptz', default: () => 'now()' })
  createdAt!: Date;

  @Column({ name: 'updated_at', type: 'timestamptz', default: () => 'now()' })
  updatedAt!: Date;
}

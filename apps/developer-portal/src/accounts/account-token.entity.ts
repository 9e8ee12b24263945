import { Check, Column, Entity, Index, JoinColumn, ManyToOne, PrimaryColumn } from 'typeorm';
import { DeveloperEntity } from './developer.entity';

export type AccountTokenPurpose = 'verify' | 'reset';

/** A single-use link sent by mail (email verification, password reset), stored as SHA-256. */
@Entity({ name: 'account_tokens' })
@Index('IDX_account_tokens_developer', ['developerId', 'purpose'])
@Index('IDX_account_tokens_expires', ['expiresAt'])
@Check('CHK_account_tokens_purpose', `"purpose" IN ('verify', 'reset')`)
export class AccountTokenEntity {
  @PrimaryColumn({
    name: 'token_hash',
    type: 'bytea',
    primaryKeyConstraintName: 'PK_account_tokens',
  })
  tokenHash!: Buffer;

  @Column({ name: 'developer_id', type: 'uuid' })
  developerId!: string;

  @ManyToOne(() => DeveloperEntity, { onDelete: 'CASCADE' })
  @JoinColumn({ name: 'developer_id', foreignKeyConstraintName: 'FK_account_tokens_developer' })
  developer?: DeveloperEntity;

  @Column({ type: 'varchar', length: 16 })
  purpose!: AccountTokenPurpose;

  @Column({ name: 'expires_at', type: 'timestamptz' })
  expiresAt!: Date;

  @Column({ name: 'used_at', type: 'timestamptz', nullable: true })
  usedAt!: Date | null;

  @Column({ name: 'created_at', type: 'timestamptz', default: () => 'now()' })
  createdAt!: Date;
}

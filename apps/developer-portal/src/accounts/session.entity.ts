import { Column, Entity, Index, JoinColumn, ManyToOne, PrimaryColumn } from 'typeorm';
import { DeveloperEntity } from './developer.entity';

/** A signed-in browser. Only the SHA-256 of the cookie's random id is stored. */
@Entity({ name: 'sessions' })
@Index('IDX_sessions_developer', ['developerId'])
@Index('IDX_sessions_expires', ['expiresAt'])
export class SessionEntity {
  @PrimaryColumn({ name: 'id_hash', type: 'bytea', primaryKeyConstraintName: 'PK_sessions' })
  idHash!: Buffer;

  @Column({ name: 'developer_id', type: 'uuid' })
  developerId!: string;

  @ManyToOne(() => DeveloperEntity, { onDelete: 'CASCADE' })
  @JoinColumn({ name: 'developer_id', foreignKeyConstraintName: 'FK_sessions_developer' })
  developer?: DeveloperEntity;

  @Column({ name: 'created_at', type: 'timestamptz', default: () => 'now()' })
  createdAt!: Date;

  /** Moved forward by requests (at most once a minute): the idle expiry counts from it. */
  @Column({ name: 'last_seen_at', type: 'timestamptz', default: () => 'now()' })
  lastSeenAt!: Date;

  /** The absolute expiry, fixed at sign-in. */
  @Column({ name: 'expires_at', type: 'timestamptz' })
  expiresAt!: Date;
}

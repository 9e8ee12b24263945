import { Column, Entity, Index, PrimaryColumn } from 'typeorm';

/** An access token revoked before its expiry; resource servers poll this list. */
@Entity({ name: 'revoked_access_tokens' })
@Index('IDX_revoked_access_tokens_revoked_at', ['revokedAt'])
export class RevokedAccessTokenEntity {
  @PrimaryColumn({ type: 'text' })
  jti!: string;

  @Column({ name: 'institution_id', type: 'text' })
  institutionId!: string;

  @Column({ name: 'client_id', type: 'text' })
  clientId!: string;

  @Column({ name: 'expires_at', type: 'timestamptz' })
  expiresAt!: Date;

  @Column({ name: 'revoked_at', type: 'timestamptz', default: () => 'now()' })
  revokedAt!: Date;
}

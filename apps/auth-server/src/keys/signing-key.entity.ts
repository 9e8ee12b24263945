import { Column, CreateDateColumn, Entity, Index, PrimaryColumn } from 'typeorm';
import type { JWK } from 'jose';

/** `next` is published before it signs, so resource servers already know it when it becomes `active`. */
export type SigningKeyStatus = 'next' | 'active' | 'retired';

@Entity({ name: 'signing_keys' })
// At most one key signs at a time, and at most one waits to.
@Index('UQ_signing_keys_active', ['status'], {
  unique: true,
  where: `"status" IN ('active', 'next')`,
})
export class SigningKeyEntity {
  @PrimaryColumn({ type: 'text' })
  kid!: string;

  @Column({ type: 'text' })
  alg!: string;

  @Column({ name: 'public_jwk', type: 'jsonb' })
  publicJwk!: JWK;

  /** PKCS#8 private key sealed with KEY_ENCRYPTION_KEY (AES-256-GCM, bound to the kid). */
  @Column({ name: 'private_key_sealed', type: 'text' })
  privateKeySealed!: string;

  @Column({ type: 'text' })
  status!: SigningKeyStatus;

  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' })
  createdAt!: Date;

  @Column({ name: 'retired_at', type: 'timestamptz', nullable: true })
  retiredAt!: Date | null;

  /** When a retired key leaves the JWKS: after the last token it signed has expired. */
  @Column({ name: 'publish_until', type: 'timestamptz', nullable: true })
  publishUntil!: Date | null;
}

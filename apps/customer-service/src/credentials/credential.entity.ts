import { Column, Entity, JoinColumn, OneToOne, PrimaryColumn } from 'typeorm';
import { CustomerEntity } from '../customers/customer.entity';

/** A customer's password, as an argon2id PHC string; the password itself is never stored. */
@Entity({ name: 'credentials' })
export class CredentialEntity {
  @PrimaryColumn({ name: 'customer_id', type: 'uuid' })
  customerId!: string;

  @OneToOne(() => CustomerEntity, { onDelete: 'CASCADE' })
  @JoinColumn({ name: 'customer_id', foreignKeyConstraintName: 'FK_credentials_customer' })
  customer?: CustomerEntity;

  @Column({ name: 'password_hash', type: 'text' })
  passwordHash!: string;

  @Column({ name: 'password_changed_at', type: 'timestamptz' })
  passwordChangedAt!: Date;
}

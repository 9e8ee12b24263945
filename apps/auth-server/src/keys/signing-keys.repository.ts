import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import { managerOf, type Transaction } from '../persistence/unit-of-work';
import { SigningKeyEntity, type SigningKeyStatus } from './signing-key.entity';

export type NewSigningKeyRow = Omit<SigningKeyEntity, 'createdAt'>;

/** Names the advisory lock that serializes key changes across instances. */
const LOCK = 'auth:signing-keys';

/** The auth.signing_keys table. */
@Injectable()
export class SigningKeysRepository {
  constructor(@InjectDataSource() private readonly dataSource: DataSource) {}

  /** Holds the key-change lock until `tx` ends: one instance at a time creates or rotates keys. */
  async lockKeyChanges(tx: Transaction): Promise<void> {
    await tx.manager.query('SELECT pg_advisory_xact_lock(hashtext($1))', [LOCK]);
  }

  findByStatus(status: SigningKeyStatus, tx?: Transaction): Promise<SigningKeyEntity | null> {
    return managerOf(this.dataSource, tx).findOneBy(SigningKeyEntity, { status });
  }

  async insert(row: NewSigningKeyRow, tx?: Transaction): Promise<void> {
    await managerOf(this.dataSource, tx).insert(SigningKeyEntity, row);
  }

  async retire(kid: string, publishUntil: Date, tx?: Transaction): Promise<void> {
    await managerOf(this.dataSource, tx).update(
      SigningKeyEntity,
      { kid },
      { status: 'retired', retiredAt: new Date(), publishUntil },
    );
  }

  async activate(kid: string, tx?: Transaction): Promise<void> {
    await managerOf(this.dataSource, tx).update(SigningKeyEntity, { kid }, { status: 'active' });
  }

  /** Every key in the JWKS (active, next, retired ones still published), newest first. */
  findPublished(): Promise<SigningKeyEntity[]> {
    return this.dataSource
      .getRepository(SigningKeyEntity)
      .createQueryBuilder('k')
      .where(`k.status IN ('active', 'next') OR k.publish_until > now()`)
      .orderBy('k.created_at', 'DESC')
      .getMany();
  }
}

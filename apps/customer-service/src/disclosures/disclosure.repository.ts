import { Injectable } from '@nestjs/common';
import { UnitOfWork } from '../persistence/unit-of-work';
import { DisclosureAcceptanceEntity } from './disclosure-acceptance.entity';
import { DisclosureEntity } from './disclosure.entity';

export interface DisclosureRef {
  disclosureId: string;
  version: string;
}

/** The `disclosures` (versions) and `disclosure_acceptances` tables. */
@Injectable()
export class DisclosureRepository {
  constructor(private readonly uow: UnitOfWork) {}

  /** The version in force of each of the FI's disclosures: the latest activated one. */
  inForce(institutionId: string): Promise<DisclosureEntity[]> {
    return this.uow.manager
      .createQueryBuilder(DisclosureEntity, 'd')
      .distinctOn(['d.disclosureId'])
      .where('d.institutionId = :institutionId', { institutionId })
      .andWhere('d.activatedAt IS NOT NULL')
      .orderBy('d.disclosureId')
      .addOrderBy('d.effectiveAt', 'DESC')
      .addOrderBy('d.createdAt', 'DESC')
      .getMany();
  }

  async findVersion(
    institutionId: string,
    ref: DisclosureRef,
  ): Promise<DisclosureEntity | undefined> {
    const found = await this.uow.manager.findOneBy(DisclosureEntity, {
      institutionId,
      disclosureId: ref.disclosureId,
      version: ref.version,
    });
    return found ?? undefined;
  }

  /** Inserts a new version; false when that version exists already. */
  async insertUnlessExists(disclosure: DisclosureEntity): Promise<boolean> {
    const inserted = await this.uow.manager
      .createQueryBuilder()
      .insert()
      .into(DisclosureEntity)
      .values(disclosure)
      .orIgnore()
      .returning(['id'])
      .execute();
    return (inserted.raw as unknown[]).length > 0;
  }

  async markActivated(id: string, at: Date): Promise<void> {
    await this.uow.manager.update(DisclosureEntity, { id }, { activatedAt: at });
  }

  /** Versions whose time has come, row-locked; rows another instance holds are skipped. */
  claimDue(limit: number): Promise<DisclosureEntity[]> {
    return this.uow.manager
      .createQueryBuilder(DisclosureEntity, 'd')
      .where('d.activatedAt IS NULL')
      .andWhere('d.effectiveAt <= now()')
      .orderBy('d.effectiveAt')
      .limit(limit)
      .setLock('pessimistic_write')
      .setOnLocked('skip_locked')
      .getMany();
  }

  /**
   * Serialises taking a disclosure into force with registrations of the same FI, until the
   * unit of work ends: a registration holds it shared while it checks acceptances and inserts;
   * activation takes it exclusive, so it sees every customer registered against the previous
   * version.
   */
  async lockInstitution(institutionId: string, mode: 'shared' | 'exclusive'): Promise<void> {
    await this.uow.manager.query(
      mode === 'shared'
        ? 'SELECT pg_advisory_xact_lock_shared(hashtext($1))'
        : 'SELECT pg_advisory_xact_lock(hashtext($1))',
      [`customer:disclosures:${institutionId}`],
    );
  }

  async insertAcceptances(rows: DisclosureAcceptanceEntity[]): Promise<void> {
    if (rows.length === 0) return;
    await this.uow.manager.insert(DisclosureAcceptanceEntity, rows);
  }

  /** The customer's acceptances of these versions. */
  async acceptancesOf(
    customerId: string,
    refs: DisclosureRef[],
  ): Promise<DisclosureAcceptanceEntity[]> {
    if (refs.length === 0) return [];
    return this.uow.manager.find(DisclosureAcceptanceEntity, {
      where: refs.map((r) => ({ customerId, disclosureId: r.disclosureId, version: r.version })),
    });
  }

  /** The latest accepted version of each disclosure, for the profile. */
  latestAcceptedBy(customerId: string): Promise<DisclosureAcceptanceEntity[]> {
    return this.uow.manager
      .createQueryBuilder(DisclosureAcceptanceEntity, 'a')
      .distinctOn(['a.disclosureId'])
      .where('a.customerId = :customerId', { customerId })
      .orderBy('a.disclosureId')
      .addOrderBy('a.acceptedAt', 'DESC')
      .getMany();
  }
}

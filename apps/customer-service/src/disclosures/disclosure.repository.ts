import { Injectable } from '@nestjs/common';
import { UnitOfWork, type GatedStatement, type SqlStatement } from '../persistence/unit-of-work';
import { DisclosureAcceptanceEntity } from './disclosure-acceptance.entity';
import { DisclosureEntity } from './disclosure.entity';

export interface DisclosureRef {
  disclosureId: string;
  version: string;
}

/** What a registration checks of a version in force (not its text). */
export type InForceRef = Pick<DisclosureEntity, 'id' | 'disclosureId' | 'version' | 'required'>;

/** The advisory lock's key; the function of migration RegistrationDisclosureCheck uses it too. */
const lockKey = (institutionId: string): string => `customer:disclosures:${institutionId}`;

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

  /** `inForce` without the texts: what a registration checks. */
  async inForceRefs(institutionId: string): Promise<InForceRef[]> {
    const rows = (await this.uow.manager.query(
      `SELECT DISTINCT ON (disclosure_id) id, disclosure_id, version, required
         FROM disclosures
        WHERE institution_id = $1 AND activated_at IS NOT NULL
        ORDER BY disclosure_id, effective_at DESC, created_at DESC`,
      [institutionId],
    )) as { id: string; disclosure_id: string; version: string; required: boolean }[];
    return rows.map((r) => ({
      id: r.id,
      disclosureId: r.disclosure_id,
      version: r.version,
      required: r.required,
    }));
  }

  /**
   * A part of one statement (UnitOfWork.together) answering `in_force`: the FI's versions in
   * force as a key (`inForceKey`), read after taking the FI's lock (shared) until the statement
   * commits, and as of that moment (migration RegistrationDisclosureCheck: a statement's own
   * snapshot would predate the lock).
   */
  inForceUnderLockStatement(institutionId: string): SqlStatement {
    return {
      sql: 'SELECT registration_disclosures($1::text) AS in_force',
      params: [institutionId],
    };
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
      [lockKey(institutionId)],
    );
  }

  async insertAcceptances(rows: DisclosureAcceptanceEntity[]): Promise<void> {
    if (rows.length === 0) return;
    await this.uow.manager.insert(DisclosureAcceptanceEntity, rows);
  }

  /** `insertAcceptances` as a part of one statement, applied when `gate` holds. */
  insertAcceptancesStatement(rows: DisclosureAcceptanceEntity[]): GatedStatement {
    return (gate) => ({
      sql: `INSERT INTO disclosure_acceptances
              (id, customer_id, institution_id, disclosure_id, version, accepted_at, ip_address,
               user_agent, client_id)
            SELECT * FROM unnest($1::uuid[], $2::uuid[], $3::text[], $4::text[], $5::text[],
                                 $6::timestamptz[], $7::text[], $8::text[], $9::text[])
             WHERE ${gate}`,
      params: [
        rows.map((r) => r.id),
        rows.map((r) => r.customerId),
        rows.map((r) => r.institutionId),
        rows.map((r) => r.disclosureId),
        rows.map((r) => r.version),
        rows.map((r) => r.acceptedAt),
        rows.map((r) => r.ipAddress),
        rows.map((r) => r.userAgent),
        rows.map((r) => r.clientId),
      ],
    });
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

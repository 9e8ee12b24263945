import { randomUUID } from 'node:crypto';
import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource, type EntityManager } from 'typeorm';
import type { FieldError } from '@app/common';
import { AuditService } from '../audit/audit.service';
import { settledStatus, type UserStatus } from '../customers/customer-status';
import { CustomerErrors } from '../customers/customer.errors';
import { CustomerEntity } from '../customers/customer.entity';
import { findCustomer } from '../customers/customer.lookup';
import type { RequestContext } from '../http/request-context';
import { customerEvent } from '../outbox/activity-event';
import { OutboxService } from '../outbox/outbox.service';
import { DisclosureAcceptanceEntity } from './disclosure-acceptance.entity';
import { DisclosureEntity } from './disclosure.entity';
import type { DisclosureRefDto, PublishDisclosureDto } from './disclosure.dto';

export interface DisclosureRef {
  disclosureId: string;
  version: string;
}

export interface AcceptanceOutcome {
  acceptance: DisclosureAcceptanceEntity;
  created: boolean;
  userStatus: UserStatus;
}

const MAX_SCHEDULE_MS = 366 * 86_400_000;
/** Clock skew tolerated for an `effectiveAt` a client means as "now". */
const PAST_TOLERANCE_MS = 5 * 60_000;

/**
 * Serialises taking a disclosure into force with registrations of the same FI: a registration
 * holds the lock shared while it checks acceptances and inserts; activation takes it exclusive,
 * so it sees every customer registered against the previous version.
 */
const lockFi = (em: EntityManager, institutionId: string, mode: 'shared' | 'exclusive') =>
  em.query(
    mode === 'shared'
      ? 'SELECT pg_advisory_xact_lock_shared(hashtext($1))'
      : 'SELECT pg_advisory_xact_lock(hashtext($1))',
    [`customer:disclosures:${institutionId}`],
  );

/**
 * Disclosures are versioned per FI; the latest activated version of each is in force. A
 * version takes effect at `effectiveAt` (at once, or later through DisclosureActivationJob);
 * when it is required, every customer who has not accepted it moves to
 * `needsToAcceptDisclosure` until they do.
 */
@Injectable()
export class DisclosuresService {
  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly audit: AuditService,
    private readonly outbox: OutboxService,
  ) {}

  /** The version in force of each of the FI's disclosures. */
  inForce(
    institutionId: string,
    em: EntityManager = this.dataSource.manager,
  ): Promise<DisclosureEntity[]> {
    return em
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
  ): Promise<{ disclosure: DisclosureEntity; inForce: boolean }> {
    const disclosure = await this.dataSource.manager.findOneBy(DisclosureEntity, {
      institutionId,
      disclosureId: ref.disclosureId,
      version: ref.version,
    });
    if (!disclosure) throw CustomerErrors.disclosureNotFound();
    const current = (await this.inForce(institutionId)).find(
      (d) => d.disclosureId === ref.disclosureId,
    );
    return { disclosure, inForce: current?.id === disclosure.id };
  }

  async publish(
    institutionId: string,
    dto: PublishDisclosureDto,
    ctx: RequestContext,
  ): Promise<{ disclosure: DisclosureEntity; inForce: boolean }> {
    const now = new Date();
    const effectiveAt = dto.effectiveAt ? new Date(dto.effectiveAt) : now;
    if (
      effectiveAt.getTime() < now.getTime() - PAST_TOLERANCE_MS ||
      effectiveAt.getTime() > now.getTime() + MAX_SCHEDULE_MS
    ) {
      throw CustomerErrors.invalidFields([
        { pointer: '/effectiveAt', detail: 'must be between now and a year from now' },
      ]);
    }
    const disclosure: DisclosureEntity = {
      id: randomUUID(),
      institutionId,
      disclosureId: dto.disclosureId,
      version: dto.version,
      name: dto.name,
      required: dto.required,
      content: dto.content,
      effectiveAt,
      activatedAt: null,
      publishedBy: ctx.clientId ?? ctx.actor.id,
      createdAt: now,
    };
    await this.dataSource.transaction(async (em) => {
      const inserted = await em
        .createQueryBuilder()
        .insert()
        .into(DisclosureEntity)
        .values(disclosure)
        .orIgnore()
        .returning(['id'])
        .execute();
      if ((inserted.raw as unknown[]).length === 0) throw CustomerErrors.disclosureVersionExists();
      if (effectiveAt.getTime() <= now.getTime()) await this.activate(em, disclosure, ctx);
    });
    return { disclosure, inForce: disclosure.activatedAt !== null };
  }

  /** Takes versions whose time has come into force; returns how many. */
  async activateDue(): Promise<number> {
    return this.dataSource.transaction(async (em) => {
      const due = await em
        .createQueryBuilder(DisclosureEntity, 'd')
        .where('d.activatedAt IS NULL')
        .andWhere('d.effectiveAt <= now()')
        .orderBy('d.effectiveAt')
        .limit(100)
        .setLock('pessimistic_write')
        .setOnLocked('skip_locked')
        .getMany();
      const system: RequestContext = {
        actor: { type: 'system', id: 'disclosure-activation' },
        channel: 'system',
      };
      for (const disclosure of due) await this.activate(em, disclosure, system);
      return due.length;
    });
  }

  /**
   * Puts a version in force, then settles every customer of the FI whose status no longer
   * matches the disclosures in force: a new required version moves those who have not accepted
   * it to `needsToAcceptDisclosure`; a version that drops a requirement settles those it held
   * back. Each change goes to the audit trail. Locked customers keep their lock; their pending
   * disclosures are looked at when they are unlocked.
   */
  private async activate(
    em: EntityManager,
    d: DisclosureEntity,
    ctx: RequestContext,
  ): Promise<void> {
    await lockFi(em, d.institutionId, 'exclusive');
    d.activatedAt = new Date();
    await em.update(DisclosureEntity, { id: d.id }, { activatedAt: d.activatedAt });
    await em.query(
      `WITH in_force AS (
         SELECT DISTINCT ON (disclosure_id) disclosure_id, version, required
           FROM disclosures
          WHERE institution_id = $1 AND activated_at IS NOT NULL
          ORDER BY disclosure_id, effective_at DESC, created_at DESC
       ), computed AS (
         SELECT c.id, c.status AS old_status,
                CASE WHEN EXISTS (
                       SELECT 1 FROM in_force f
                        WHERE f.required
                          AND NOT EXISTS (SELECT 1 FROM disclosure_acceptances a
                                           WHERE a.customer_id = c.id
                                             AND a.disclosure_id = f.disclosure_id
                                             AND a.version = f.version))
                     THEN 'needsToAcceptDisclosure'
                     WHEN c.last_login_at IS NULL THEN 'registered'
                     ELSE 'active' END AS new_status
           FROM customers c
          WHERE c.institution_id = $1
            AND c.status IN ('registered', 'active', 'needsToAcceptDisclosure')
       ), changed AS (
         UPDATE customers c
            SET status = k.new_status, version = c.version + 1, updated_at = now()
           FROM computed k
          WHERE c.id = k.id AND k.new_status <> k.old_status
            -- Re-checked on a row changed meanwhile (e.g. locked): then it is left alone.
            AND c.status = k.old_status
         RETURNING c.id, k.old_status, k.new_status
       )
       INSERT INTO audit_events
         (id, customer_id, institution_id, action, actor_type, actor_id, client_id, ip_address,
          transaction_id, changes, occurred_at)
       SELECT gen_random_uuid(), x.id, $1, 'statusChanged', $4, $5, $6, $7, $8,
              jsonb_build_array(
                jsonb_build_object('field', 'userStatus', 'old', x.old_status, 'new', x.new_status),
                jsonb_build_object('field', 'disclosureInForce', 'old', NULL,
                                   'new', $2 || ' version ' || $3)),
              now()
         FROM changed x`,
      [
        d.institutionId,
        d.disclosureId,
        d.version,
        ctx.actor.type,
        ctx.actor.id,
        ctx.clientId ?? null,
        ctx.ipAddress ?? null,
        ctx.transactionId ?? null,
      ],
    );
  }

  /**
   * Checks a registration's acceptances against the versions in force: each must name the
   * version in force (422 CUS_DISCLOSURE_NOT_IN_FORCE) and every required one must be there
   * (422 CUS_DISCLOSURE_REQUIRED). With `em`, runs under the FI's shared lock (see lockFi).
   */
  async checkRegistrationAcceptances(
    institutionId: string,
    refs: DisclosureRefDto[],
    em?: EntityManager,
  ): Promise<DisclosureEntity[]> {
    if (em) await lockFi(em, institutionId, 'shared');
    const inForce = await this.inForce(institutionId, em);
    const errors: FieldError[] = [];
    const accepted: DisclosureEntity[] = [];
    refs.forEach((ref, i) => {
      const current = inForce.find((d) => d.disclosureId === ref.disclosureId);
      if (!current) {
        errors.push({
          pointer: `/acceptedDisclosures/${i}`,
          detail: 'no such disclosure is in force',
        });
      } else if (current.version !== ref.version) {
        errors.push({
          pointer: `/acceptedDisclosures/${i}/version`,
          detail: `version ${current.version} is in force`,
        });
      } else if (!accepted.includes(current)) {
        accepted.push(current);
      }
    });
    if (errors.length > 0) throw CustomerErrors.disclosureNotInForce(errors);
    const missing = inForce.filter((d) => d.required && !accepted.includes(d));
    if (missing.length > 0)
      throw CustomerErrors.disclosureRequired(
        missing.map((d) => ({ disclosureId: d.disclosureId, version: d.version })),
      );
    return accepted;
  }

  /** Required versions in force that the customer has not accepted. */
  async pendingRequired(
    em: EntityManager,
    customer: Pick<CustomerEntity, 'id' | 'institutionId'>,
  ): Promise<DisclosureRef[]> {
    const inForce = await this.inForce(customer.institutionId, em);
    const required = inForce.filter((d) => d.required);
    if (required.length === 0) return [];
    const accepted = await em.find(DisclosureAcceptanceEntity, {
      where: required.map((d) => ({
        customerId: customer.id,
        disclosureId: d.disclosureId,
        version: d.version,
      })),
    });
    return required
      .filter(
        (d) => !accepted.some((a) => a.disclosureId === d.disclosureId && a.version === d.version),
      )
      .map((d) => ({ disclosureId: d.disclosureId, version: d.version }));
  }

  /** The latest accepted version of each disclosure, for the profile. */
  async acceptedBy(
    customerId: string,
    em: EntityManager = this.dataSource.manager,
  ): Promise<DisclosureAcceptanceEntity[]> {
    return em
      .createQueryBuilder(DisclosureAcceptanceEntity, 'a')
      .distinctOn(['a.disclosureId'])
      .where('a.customerId = :customerId', { customerId })
      .orderBy('a.disclosureId')
      .addOrderBy('a.acceptedAt', 'DESC')
      .getMany();
  }

  /** Records acceptances in the caller's transaction (a registration), with their events. */
  async recordAcceptances(
    em: EntityManager,
    customer: CustomerEntity,
    disclosures: DisclosureEntity[],
    ctx: RequestContext,
    at: Date,
  ): Promise<DisclosureAcceptanceEntity[]> {
    const rows = disclosures.map((d) => this.acceptanceRow(customer, d, ctx, at));
    if (rows.length === 0) return rows;
    await em.insert(DisclosureAcceptanceEntity, rows);
    await this.outbox.append(
      em,
      rows.map((a) =>
        customerEvent(
          customer,
          'disclosureAcceptance',
          { disclosureId: a.disclosureId, version: a.version },
          { ...ctx, at },
        ),
      ),
    );
    return rows;
  }

  /**
   * A customer accepts the version in force of a disclosure. Accepting it again changes
   * nothing and answers the first acceptance. Once no required one is pending, a customer in
   * `needsToAcceptDisclosure` settles back.
   */
  async accept(
    institutionId: string,
    customerId: string,
    ref: DisclosureRef,
    ctx: RequestContext,
  ): Promise<AcceptanceOutcome> {
    return this.dataSource.transaction(async (em) => {
      const customer = await findCustomer(em, institutionId, customerId, true);
      const current = (await this.inForce(institutionId, em)).find(
        (d) => d.disclosureId === ref.disclosureId,
      );
      if (!current || current.version !== ref.version) {
        throw CustomerErrors.disclosureNotInForce([
          current
            ? { pointer: '/version', detail: `version ${current.version} is in force` }
            : { pointer: '/disclosureId', detail: 'no such disclosure is in force' },
        ]);
      }
      const existing = await em.findOneBy(DisclosureAcceptanceEntity, {
        customerId: customer.id,
        disclosureId: ref.disclosureId,
        version: ref.version,
      });
      if (existing) return { acceptance: existing, created: false, userStatus: customer.status };

      const now = new Date();
      const [acceptance] = await this.recordAcceptances(em, customer, [current], ctx, now);
      const pending = await this.pendingRequired(em, customer);
      const status =
        customer.status === 'needsToAcceptDisclosure'
          ? settledStatus({
              locked: false,
              pendingDisclosures: pending.length,
              lastLoginAt: customer.lastLoginAt,
            })
          : customer.status;
      await em.update(
        CustomerEntity,
        { id: customer.id },
        { status, version: customer.version + 1, updatedAt: now },
      );
      await this.audit.record(
        em,
        {
          customerId: customer.id,
          institutionId,
          action: 'disclosureAccepted',
          changes: [
            {
              field: 'acceptedDisclosures',
              old: null,
              new: `${ref.disclosureId} version ${ref.version}`,
            },
            ...(status !== customer.status
              ? [{ field: 'userStatus', old: customer.status, new: status }]
              : []),
          ],
        },
        ctx,
      );
      return { acceptance: acceptance!, created: true, userStatus: status };
    });
  }

  private acceptanceRow(
    customer: CustomerEntity,
    d: DisclosureEntity,
    ctx: RequestContext,
    at: Date,
  ): DisclosureAcceptanceEntity {
    return {
      id: randomUUID(),
      customerId: customer.id,
      institutionId: customer.institutionId,
      disclosureId: d.disclosureId,
      version: d.version,
      acceptedAt: at,
      ipAddress: ctx.ipAddress ?? null,
      userAgent: ctx.userAgent ?? null,
      clientId: ctx.clientId ?? ctx.actor.id,
    };
  }
}

import { randomUUID } from 'node:crypto';
import { Injectable } from '@nestjs/common';
import { DAY_MS, type FieldError } from '@app/common';
import { AuditService } from '../audit/audit.service';
import { settledStatus, type UserStatus } from '../customers/customer-status';
import { CustomerErrors } from '../customers/customer.errors';
import type { CustomerEntity } from '../customers/customer.entity';
import { CustomerRepository } from '../customers/customer.repository';
import type { RequestContext } from '../http/request-context';
import { customerEvent } from '../outbox/activity-event';
import { OutboxService } from '../outbox/outbox.service';
import { UnitOfWork, type GatedStatement, type SqlStatement } from '../persistence/unit-of-work';
import type { DisclosureAcceptanceEntity } from './disclosure-acceptance.entity';
import type { DisclosureEntity } from './disclosure.entity';
import type { PublishDisclosureDto } from './disclosure.dto';
import { DisclosureRepository, type DisclosureRef, type InForceRef } from './disclosure.repository';

export type { DisclosureRef, InForceRef } from './disclosure.repository';

/** What a registration's acceptances were checked against, for its insert to check again. */
export interface RegistrationDisclosures {
  /** The versions in force that the registration accepts. */
  accepted: InForceRef[];
  /** The FI's versions in force at the check, as `inForceKey` of them. */
  inForceKey: string;
}

/**
 * A set of versions in force as one string: their ids, sorted, comma-separated. The function
 * of migration RegistrationDisclosureCheck answers the same form (uuid order is the order of
 * their lower-case text).
 */
export const inForceKey = (inForce: Pick<InForceRef, 'id'>[]): string =>
  inForce
    .map((d) => d.id)
    .sort()
    .join(',');

/**
 * How long a replica reuses an FI's versions in force for the first check of a registration.
 * Never decides anything alone: a refusal is checked again against the database, and the
 * registration's insert applies only if the versions in force (under the FI's lock) are the
 * ones checked (RegistrationRepository).
 */
const REGISTRATION_IN_FORCE_MS = 5_000;

export interface AcceptanceOutcome {
  acceptance: DisclosureAcceptanceEntity;
  created: boolean;
  userStatus: UserStatus;
}

const MAX_SCHEDULE_MS = 366 * DAY_MS;
/** Clock skew tolerated for an `effectiveAt` a client means as "now". */
const PAST_TOLERANCE_MS = 5 * 60_000;
/** Versions taken into force per activation run. */
const ACTIVATION_BATCH = 100;

const ACTIVATION_CONTEXT: RequestContext = {
  actor: { type: 'system', id: 'disclosure-activation' },
  channel: 'system',
};

/**
 * Disclosures are versioned per FI; the latest activated version of each is in force. A
 * version takes effect at `effectiveAt` (at once, or later through DisclosureActivationJob);
 * when it is required, every customer who has not accepted it moves to
 * `needsToAcceptDisclosure` until they do.
 */
@Injectable()
export class DisclosuresService {
  /** FI → its versions in force as read at `at` (see REGISTRATION_IN_FORCE_MS). */
  private readonly registrationInForce = new Map<string, { at: number; inForce: InForceRef[] }>();

  constructor(
    private readonly uow: UnitOfWork,
    private readonly disclosures: DisclosureRepository,
    private readonly customers: CustomerRepository,
    private readonly audit: AuditService,
    private readonly outbox: OutboxService,
  ) {}

  /** The version in force of each of the FI's disclosures. */
  inForce(institutionId: string): Promise<DisclosureEntity[]> {
    return this.disclosures.inForce(institutionId);
  }

  async findVersion(
    institutionId: string,
    ref: DisclosureRef,
  ): Promise<{ disclosure: DisclosureEntity; inForce: boolean }> {
    const disclosure = await this.disclosures.findVersion(institutionId, ref);
    if (!disclosure) throw CustomerErrors.disclosureNotFound();
    const current = (await this.disclosures.inForce(institutionId)).find(
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
    await this.uow.transaction(async () => {
      if (!(await this.disclosures.insertUnlessExists(disclosure)))
        throw CustomerErrors.disclosureVersionExists();
      if (effectiveAt.getTime() <= now.getTime()) await this.activate(disclosure, ctx);
    });
    return { disclosure, inForce: disclosure.activatedAt !== null };
  }

  /** Takes versions whose time has come into force; returns how many. */
  activateDue(): Promise<number> {
    return this.uow.transaction(async () => {
      const due = await this.disclosures.claimDue(ACTIVATION_BATCH);
      for (const disclosure of due) await this.activate(disclosure, ACTIVATION_CONTEXT);
      return due.length;
    });
  }

  /**
   * Puts a version in force, then settles every customer of the FI whose status no longer
   * matches the disclosures in force: a new required version moves those who have not accepted
   * it to `needsToAcceptDisclosure`; a version that drops a requirement settles those it held
   * back. Each change goes to the audit trail (through AuditService, masked like any other).
   * Locked customers keep their lock; their pending disclosures are looked at when they are
   * unlocked.
   */
  private async activate(d: DisclosureEntity, ctx: RequestContext): Promise<void> {
    await this.disclosures.lockInstitution(d.institutionId, 'exclusive');
    this.registrationInForce.delete(d.institutionId);
    d.activatedAt = new Date();
    await this.disclosures.markActivated(d.id, d.activatedAt);
    const changes = (await this.customers.pendingDisclosureCounts(d.institutionId))
      .map((c) => ({
        customerId: c.customerId,
        from: c.status,
        to: settledStatus({
          locked: false,
          pendingDisclosures: c.pending,
          lastLoginAt: c.lastLoginAt,
        }),
      }))
      .filter((c) => c.to !== c.from);
    const applied = await this.customers.applyStatusChanges(changes);
    await this.audit.recordMany(
      applied.map((c) => ({
        customerId: c.customerId,
        institutionId: d.institutionId,
        action: 'statusChanged' as const,
        changes: [
          { field: 'userStatus', old: c.from, new: c.to },
          { field: 'disclosureInForce', old: null, new: `${d.disclosureId} version ${d.version}` },
        ],
      })),
      ctx,
    );
  }

  /**
   * Checks a registration's acceptances against the versions in force: each must name the
   * version in force (422 CUS_DISCLOSURE_NOT_IN_FORCE) and every required one must be there
   * (422 CUS_DISCLOSURE_REQUIRED). Reads them from the database when `fresh` or when this
   * replica's copy is older than REGISTRATION_IN_FORCE_MS; a refusal is always confirmed
   * against the database. The insert checks `inForceKey` again under the FI's lock.
   */
  async checkRegistrationAcceptances(
    institutionId: string,
    refs: DisclosureRef[],
    options: { fresh?: boolean } = {},
  ): Promise<RegistrationDisclosures> {
    const copy = options.fresh ? undefined : this.registrationInForce.get(institutionId);
    const inForce =
      copy && Date.now() - copy.at < REGISTRATION_IN_FORCE_MS
        ? copy.inForce
        : await this.readInForceForRegistration(institutionId);
    try {
      return { accepted: acceptedVersions(inForce, refs), inForceKey: inForceKey(inForce) };
    } catch (err) {
      if (inForce !== copy?.inForce) throw err;
      return this.checkRegistrationAcceptances(institutionId, refs, { fresh: true });
    }
  }

  private async readInForceForRegistration(institutionId: string): Promise<InForceRef[]> {
    const inForce = await this.disclosures.inForceRefs(institutionId);
    if (this.registrationInForce.size >= 10_000) this.registrationInForce.clear();
    this.registrationInForce.set(institutionId, { at: Date.now(), inForce });
    return inForce;
  }

  /** Required versions in force that the customer has not accepted. */
  async pendingRequired(
    customer: Pick<CustomerEntity, 'id' | 'institutionId'>,
  ): Promise<DisclosureRef[]> {
    const required = (await this.disclosures.inForce(customer.institutionId)).filter(
      (d) => d.required,
    );
    const accepted = await this.disclosures.acceptancesOf(customer.id, required);
    return required
      .filter(
        (d) => !accepted.some((a) => a.disclosureId === d.disclosureId && a.version === d.version),
      )
      .map((d) => ({ disclosureId: d.disclosureId, version: d.version }));
  }

  /** The latest accepted version of each disclosure, for the profile. */
  acceptedBy(customerId: string): Promise<DisclosureAcceptanceEntity[]> {
    return this.disclosures.latestAcceptedBy(customerId);
  }

  /**
   * The acceptance rows of a customer for these versions, with their events, to be stored by
   * the caller's unit of work (a registration writes them with everything else).
   */
  acceptances(
    customer: CustomerEntity,
    disclosures: Pick<DisclosureEntity, 'disclosureId' | 'version'>[],
    ctx: RequestContext,
    at: Date,
  ): { rows: DisclosureAcceptanceEntity[]; events: ReturnType<typeof customerEvent>[] } {
    const rows = disclosures.map((d) => this.acceptanceRow(customer, d, ctx, at));
    const events = rows.map((a) =>
      customerEvent(
        customer,
        'disclosureAcceptance',
        { disclosureId: a.disclosureId, version: a.version },
        { ...ctx, at },
      ),
    );
    return { rows, events };
  }

  /** Stores acceptance rows built by `acceptances`, as a part of the caller's single statement. */
  storeAcceptancesStatement(rows: DisclosureAcceptanceEntity[]): GatedStatement {
    return this.disclosures.insertAcceptancesStatement(rows);
  }

  /**
   * A part of the caller's single statement answering `in_force`: the FI's `inForceKey` under
   * its lock (shared, until that statement commits), so no version takes effect meanwhile.
   */
  inForceUnderLockStatement(institutionId: string): SqlStatement {
    return this.disclosures.inForceUnderLockStatement(institutionId);
  }

  /**
   * A customer accepts the version in force of a disclosure. Accepting it again changes
   * nothing and answers the first acceptance. Once no required one is pending, a customer in
   * `needsToAcceptDisclosure` settles back.
   */
  accept(
    institutionId: string,
    customerId: string,
    ref: DisclosureRef,
    ctx: RequestContext,
  ): Promise<AcceptanceOutcome> {
    return this.uow.transaction(async () => {
      const customer = await this.customers.findInInstitution(institutionId, customerId, {
        forUpdate: true,
      });
      if (!customer) throw CustomerErrors.customerNotFound();
      const current = (await this.disclosures.inForce(institutionId)).find(
        (d) => d.disclosureId === ref.disclosureId,
      );
      if (!current || current.version !== ref.version) {
        throw CustomerErrors.disclosureNotInForce([
          current
            ? { pointer: '/version', detail: `version ${current.version} is in force` }
            : { pointer: '/disclosureId', detail: 'no such disclosure is in force' },
        ]);
      }
      const [existing] = await this.disclosures.acceptancesOf(customer.id, [ref]);
      if (existing) return { acceptance: existing, created: false, userStatus: customer.status };

      const now = new Date();
      const { rows, events } = this.acceptances(customer, [current], ctx, now);
      await this.disclosures.insertAcceptances(rows);
      await this.outbox.append(events, now);
      const status =
        customer.status === 'needsToAcceptDisclosure'
          ? settledStatus({
              locked: false,
              pendingDisclosures: (await this.pendingRequired(customer)).length,
              lastLoginAt: customer.lastLoginAt,
            })
          : customer.status;
      await this.customers.update(customer.id, {
        status,
        version: customer.version + 1,
        updatedAt: now,
      });
      await this.audit.record(
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
      return { acceptance: rows[0]!, created: true, userStatus: status };
    });
  }

  private acceptanceRow(
    customer: CustomerEntity,
    d: Pick<DisclosureEntity, 'disclosureId' | 'version'>,
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

/**
 * The versions in force that `refs` accept, each once. Throws when one names no version in
 * force or another version, or when a required one in force is missing.
 */
function acceptedVersions(inForce: InForceRef[], refs: DisclosureRef[]): InForceRef[] {
  const errors: FieldError[] = [];
  const accepted: InForceRef[] = [];
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

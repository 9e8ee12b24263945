import { Injectable } from '@nestjs/common';
import { AuditService } from '../audit/audit.service';
import type { DisclosureAcceptanceEntity } from '../disclosures/disclosure-acceptance.entity';
import { AcceptedDisclosureView } from '../disclosures/disclosure.dto';
import { DisclosureRepository } from '../disclosures/disclosure.repository';
import type { RequestContext } from '../http/request-context';
import { customerEvent } from '../outbox/activity-event';
import { OutboxService } from '../outbox/outbox.service';
import { UnitOfWork } from '../persistence/unit-of-work';
import { applyContactPatch } from './contact-patch';
import { CustomerErrors } from './customer.errors';
import type { CustomerEntity } from './customer.entity';
import { CustomerRepository } from './customer.repository';
import { CustomerView, etagOf, ifMatchSatisfied } from './customer.view';

export interface RenderedProfile {
  view: CustomerView;
  etag: string;
}

const byDisclosureId = (a: DisclosureAcceptanceEntity, b: DisclosureAcceptanceEntity) =>
  a.disclosureId < b.disclosureId ? -1 : a.disclosureId > b.disclosureId ? 1 : 0;

/**
 * The profile as answered, from the customer and their acceptances (the latest of each
 * disclosure), listed by disclosureId whether they were just written or read back.
 */
export const renderProfile = (
  customer: CustomerEntity,
  accepted: DisclosureAcceptanceEntity[],
): RenderedProfile => ({
  view: CustomerView.of(
    customer,
    [...accepted].sort(byDisclosureId).map(AcceptedDisclosureView.of),
  ),
  etag: etagOf(customer),
});

/** Reading and changing a customer's profile, always within the caller's FI. */
@Injectable()
export class ProfileService {
  constructor(
    private readonly uow: UnitOfWork,
    private readonly customers: CustomerRepository,
    private readonly disclosures: DisclosureRepository,
    private readonly audit: AuditService,
    private readonly outbox: OutboxService,
  ) {}

  async get(institutionId: string, customerId: string): Promise<RenderedProfile> {
    return this.render(await this.find(institutionId, customerId));
  }

  /**
   * The customer in the caller's FI, row-locked when asked (within a unit of work). Another
   * FI's customer, and an id that is not even a UUID, are "not found": existence is not
   * revealed.
   */
  async find(
    institutionId: string,
    customerId: string,
    options: { forUpdate?: boolean } = {},
  ): Promise<CustomerEntity> {
    const customer = await this.customers.findInInstitution(institutionId, customerId, options);
    if (!customer) throw CustomerErrors.customerNotFound();
    return customer;
  }

  async render(customer: CustomerEntity): Promise<RenderedProfile> {
    return renderProfile(customer, await this.disclosures.latestAcceptedBy(customer.id));
  }

  /**
   * Applies a merge patch to the contact fields under a row lock, checking If-Match against
   * the current version; each change is audited (masked) and announced as `profileChange`.
   */
  update(
    institutionId: string,
    customerId: string,
    patch: unknown,
    ifMatch: string | undefined,
    ctx: RequestContext,
  ): Promise<RenderedProfile> {
    return this.uow.transaction(async () => {
      const customer = await this.find(institutionId, customerId, { forUpdate: true });
      if (!ifMatchSatisfied(ifMatch, etagOf(customer))) throw CustomerErrors.preconditionFailed();
      const { next, changed } = applyContactPatch(customer, patch);
      if (changed.length === 0) return this.render(customer);

      const now = new Date();
      const updated: CustomerEntity = {
        ...customer,
        ...next,
        version: customer.version + 1,
        updatedAt: now,
      };
      await this.customers.update(customer.id, {
        ...next,
        version: updated.version,
        updatedAt: now,
      });
      await this.audit.record(
        {
          customerId: customer.id,
          institutionId,
          action: 'profileUpdated',
          changes: changed.map((field) => ({ field, old: customer[field], new: next[field] })),
        },
        ctx,
      );
      await this.outbox.append(
        [customerEvent(updated, 'profileChange', { changedFields: changed }, { ...ctx, at: now })],
        now,
      );
      return this.render(updated);
    });
  }
}

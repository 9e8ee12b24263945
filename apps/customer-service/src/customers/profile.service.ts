import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource, type EntityManager } from 'typeorm';
import { AuditService } from '../audit/audit.service';
import { AcceptedDisclosureView } from '../disclosures/disclosure.dto';
import { DisclosuresService } from '../disclosures/disclosures.service';
import type { RequestContext } from '../http/request-context';
import { customerEvent } from '../outbox/activity-event';
import { OutboxService } from '../outbox/outbox.service';
import { applyContactPatch } from './contact-patch';
import { CustomerErrors } from './customer.errors';
import { CustomerEntity } from './customer.entity';
import { findCustomer } from './customer.lookup';
import { CustomerView, etagOf, ifMatchSatisfied } from './customer.view';

export interface RenderedProfile {
  view: CustomerView;
  etag: string;
}

/** Reading and changing a customer's profile, always within the caller's FI. */
@Injectable()
export class ProfileService {
  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly disclosures: DisclosuresService,
    private readonly audit: AuditService,
    private readonly outbox: OutboxService,
  ) {}

  async get(institutionId: string, customerId: string): Promise<RenderedProfile> {
    const customer = await findCustomer(this.dataSource.manager, institutionId, customerId);
    return this.render(customer);
  }

  async render(
    customer: CustomerEntity,
    em: EntityManager = this.dataSource.manager,
  ): Promise<RenderedProfile> {
    const accepted = await this.disclosures.acceptedBy(customer.id, em);
    return {
      view: CustomerView.of(customer, accepted.map(AcceptedDisclosureView.of)),
      etag: etagOf(customer),
    };
  }

  /**
   * Applies a merge patch to the contact fields under a row lock, checking If-Match against
   * the current version; each change is audited (masked) and announced as `profileChange`.
   */
  async update(
    institutionId: string,
    customerId: string,
    patch: unknown,
    ifMatch: string | undefined,
    ctx: RequestContext,
  ): Promise<RenderedProfile> {
    return this.dataSource.transaction(async (em) => {
      const customer = await findCustomer(em, institutionId, customerId, true);
      if (!ifMatchSatisfied(ifMatch, etagOf(customer))) throw CustomerErrors.preconditionFailed();
      const { next, changed } = applyContactPatch(customer, patch);
      if (changed.length === 0) return this.render(customer, em);

      const now = new Date();
      const updated: CustomerEntity = {
        ...customer,
        ...next,
        version: customer.version + 1,
        updatedAt: now,
      };
      await em.update(
        CustomerEntity,
        { id: customer.id },
        { ...next, version: updated.version, updatedAt: now },
      );
      await this.audit.record(
        em,
        {
          customerId: customer.id,
          institutionId,
          action: 'profileUpdated',
          changes: changed.map((field) => ({ field, old: customer[field], new: next[field] })),
        },
        ctx,
      );
      await this.outbox.append(em, [
        customerEvent(updated, 'profileChange', { changedFields: changed }, { ...ctx, at: now }),
      ]);
      return this.render(updated, em);
    });
  }
}

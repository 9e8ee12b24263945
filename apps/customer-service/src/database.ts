import type { ServiceDatabase } from '@app/common';
import { AuditEventEntity } from './audit/audit-event.entity';
import { CredentialEntity } from './credentials/credential.entity';
import { CustomerEntity } from './customers/customer.entity';
import { DisclosureAcceptanceEntity } from './disclosures/disclosure-acceptance.entity';
import { DisclosureEntity } from './disclosures/disclosure.entity';
import { IdempotencyRecordEntity } from './idempotency/idempotency-record.entity';
import { migrations } from './migrations';
import { OutboxEventEntity } from './outbox/outbox-event.entity';

/** The customer-service's schema: its entities and its reviewed migrations, nothing synchronized. */
export const customerDatabase: ServiceDatabase = {
  schema: 'customer',
  entities: [
    CustomerEntity,
    CredentialEntity,
    DisclosureEntity,
    DisclosureAcceptanceEntity,
    AuditEventEntity,
    OutboxEventEntity,
    IdempotencyRecordEntity,
  ],
  migrations,
};

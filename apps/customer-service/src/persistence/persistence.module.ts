import { Global, Module } from '@nestjs/common';
import { AuditRepository } from '../audit/audit.repository';
import { CredentialRepository } from '../credentials/credential.repository';
import { CustomerRepository } from '../customers/customer.repository';
import { DisclosureRepository } from '../disclosures/disclosure.repository';
import { HousekeepingRepository } from '../housekeeping/housekeeping.repository';
import { IdempotencyRepository } from '../idempotency/idempotency.repository';
import { OutboxRepository } from '../outbox/outbox.repository';
import { SandboxRepository } from '../sandbox/sandbox.repository';
import { RegistrationLimitsRepository } from '../throttling/registration-limits.repository';
import { UnitOfWork } from './unit-of-work';

/**
 * The unit of work and every feature's repository, in one global module: repositories are
 * data access only (each in its feature folder), and services of several features use them, so
 * listing them once here keeps the feature modules free of import cycles.
 */
const REPOSITORIES = [
  AuditRepository,
  CredentialRepository,
  CustomerRepository,
  DisclosureRepository,
  HousekeepingRepository,
  IdempotencyRepository,
  OutboxRepository,
  RegistrationLimitsRepository,
  SandboxRepository,
];

@Global()
@Module({ providers: [UnitOfWork, ...REPOSITORIES], exports: [UnitOfWork, ...REPOSITORIES] })
export class PersistenceModule {}

import { Module } from '@nestjs/common';
import { AuditModule } from '../audit/audit.module';
import { CredentialsModule } from '../credentials/credentials.module';
import { CustomersModule } from '../customers/customers.module';
import { DisclosuresModule } from '../disclosures/disclosures.module';
import { IdempotencyModule } from '../idempotency/idempotency.module';
import { OutboxModule } from '../outbox/outbox.module';
import { ThrottlingModule } from '../throttling/throttling.module';
import { RegistrationController } from './registration.controller';
import { RegistrationRepository } from './registration.repository';
import { RegistrationService } from './registration.service';

@Module({
  imports: [
    AuditModule,
    OutboxModule,
    DisclosuresModule,
    CustomersModule,
    CredentialsModule,
    IdempotencyModule,
    ThrottlingModule,
  ],
  controllers: [RegistrationController],
  providers: [RegistrationService, RegistrationRepository],
  exports: [RegistrationService],
})
export class RegistrationModule {}

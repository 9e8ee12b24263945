import { Module } from '@nestjs/common';
import { AuditModule } from '../audit/audit.module';
import { CustomersModule } from '../customers/customers.module';
import { DisclosuresModule } from '../disclosures/disclosures.module';
import { OutboxModule } from '../outbox/outbox.module';
import { CredentialsController } from './credentials.controller';
import { CredentialsService } from './credentials.service';
import { PasswordHasher } from './password-hasher';
import { UnlockController } from './unlock.controller';

@Module({
  imports: [AuditModule, OutboxModule, DisclosuresModule, CustomersModule],
  controllers: [CredentialsController, UnlockController],
  providers: [PasswordHasher, CredentialsService],
  exports: [PasswordHasher],
})
export class CredentialsModule {}

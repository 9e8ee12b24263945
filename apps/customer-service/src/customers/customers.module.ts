import { Module } from '@nestjs/common';
import { AuditModule } from '../audit/audit.module';
import { DisclosuresModule } from '../disclosures/disclosures.module';
import { OutboxModule } from '../outbox/outbox.module';
import { ProfileController } from './profile.controller';
import { ProfileService } from './profile.service';
import { SsnCipher } from './ssn-cipher';

@Module({
  imports: [AuditModule, OutboxModule, DisclosuresModule],
  controllers: [ProfileController],
  providers: [ProfileService, SsnCipher],
  exports: [ProfileService, SsnCipher],
})
export class CustomersModule {}

import { Module } from '@nestjs/common';
import { AuditModule } from '../audit/audit.module';
import { OutboxModule } from '../outbox/outbox.module';
import { ProfileController } from './profile.controller';
import { ProfileService } from './profile.service';
import { SsnCipher } from './ssn-cipher';

@Module({
  imports: [AuditModule, OutboxModule],
  controllers: [ProfileController],
  providers: [ProfileService, SsnCipher],
  exports: [ProfileService, SsnCipher],
})
export class CustomersModule {}

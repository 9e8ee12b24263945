import { Module } from '@nestjs/common';
import { AuditModule } from '../audit/audit.module';
import { OutboxModule } from '../outbox/outbox.module';
import { DisclosureAcceptancesController } from './disclosure-acceptances.controller';
import { DisclosureActivationJob } from './disclosure-activation.job';
import { DisclosuresController } from './disclosures.controller';
import { DisclosuresService } from './disclosures.service';

@Module({
  imports: [AuditModule, OutboxModule],
  controllers: [DisclosuresController, DisclosureAcceptancesController],
  providers: [DisclosuresService, DisclosureActivationJob],
  exports: [DisclosuresService, DisclosureActivationJob],
})
export class DisclosuresModule {}

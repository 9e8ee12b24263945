import { Module } from '@nestjs/common';
import { IdempotencyModule } from '../idempotency/idempotency.module';
import { OutboxModule } from '../outbox/outbox.module';
import { ThrottlingModule } from '../throttling/throttling.module';
import { HousekeepingJob } from './housekeeping.job';

@Module({
  imports: [IdempotencyModule, ThrottlingModule, OutboxModule],
  providers: [HousekeepingJob],
  exports: [HousekeepingJob],
})
export class HousekeepingModule {}

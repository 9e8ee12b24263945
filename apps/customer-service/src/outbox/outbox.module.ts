import { Module } from '@nestjs/common';
import { ActivityClient } from './activity.client';
import { OutboxDispatcher } from './outbox.dispatcher';
import { OutboxMetrics } from './outbox.metrics';
import { OutboxService } from './outbox.service';

@Module({
  providers: [OutboxService, ActivityClient, OutboxDispatcher, OutboxMetrics],
  exports: [OutboxService, OutboxDispatcher],
})
export class OutboxModule {}

import { Module } from '@nestjs/common';
import { ActivityClient } from './activity.client';
import { OutboxDispatcher } from './outbox.dispatcher';
import { OutboxService } from './outbox.service';

@Module({
  providers: [OutboxService, ActivityClient, OutboxDispatcher],
  exports: [OutboxService, OutboxDispatcher],
})
export class OutboxModule {}

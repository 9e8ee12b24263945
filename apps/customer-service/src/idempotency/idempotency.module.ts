import { Module } from '@nestjs/common';
import { CustomersModule } from '../customers/customers.module';
import { IdempotencyService } from './idempotency.service';

@Module({
  imports: [CustomersModule],
  providers: [IdempotencyService],
  exports: [IdempotencyService],
})
export class IdempotencyModule {}

import { Module } from '@nestjs/common';
import { BearerAuthModule, PlatformModule } from '@app/common';
import { CustomerEnv } from './config/customer.env';
import { customerDatabase } from './database';

@Module({
  imports: [
    PlatformModule.forRoot({
      service: 'customer-service',
      env: CustomerEnv,
      database: customerDatabase,
    }),
    BearerAuthModule.remote(),
  ],
})
export class CustomerServiceModule {}

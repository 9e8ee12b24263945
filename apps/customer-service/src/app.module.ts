import { Module } from '@nestjs/common';
import { BearerAuthModule, PlatformModule } from '@app/common';
import { CustomerEnv } from './config/customer.env';
import { CredentialsModule } from './credentials/credentials.module';
import { CustomersModule } from './customers/customers.module';
import { customerDatabase } from './database';
import { DisclosuresModule } from './disclosures/disclosures.module';
import { HousekeepingModule } from './housekeeping/housekeeping.module';
import { OutboxModule } from './outbox/outbox.module';
import { PersistenceModule } from './persistence/persistence.module';
import { RegistrationModule } from './registration/registration.module';
import { SandboxModule } from './sandbox/sandbox.module';

@Module({
  imports: [
    PlatformModule.forRoot({
      service: 'customer-service',
      env: CustomerEnv,
      database: customerDatabase,
      callerErrorCodes: {
        appTokenRequired: 'CUS_APP_TOKEN_REQUIRED',
        customerTokenRequired: 'CUS_CUSTOMER_TOKEN_REQUIRED',
        platformTokenRequired: 'CUS_INTERNAL_TOKEN_REQUIRED',
      },
    }),
    BearerAuthModule.remote(),
    PersistenceModule,
    OutboxModule,
    DisclosuresModule,
    CustomersModule,
    CredentialsModule,
    RegistrationModule,
    HousekeepingModule,
    SandboxModule,
  ],
})
export class CustomerServiceModule {}

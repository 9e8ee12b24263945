import { Module } from '@nestjs/common';
import { OrganizationsModule } from '../organizations/organizations.module';
import { AccountTokenRepository } from './account-token.repository';
import { AccountsController } from './accounts.controller';
import { AccountsService } from './accounts.service';
import { PortalPasswordHasher } from './portal-password-hasher';
import { ThrottleRepository } from './throttle.repository';

/** Sign-up, verification, log-in, forgot and reset password. */
@Module({
  imports: [OrganizationsModule],
  controllers: [AccountsController],
  providers: [AccountsService, AccountTokenRepository, PortalPasswordHasher, ThrottleRepository],
  exports: [AccountTokenRepository, ThrottleRepository],
})
export class AccountsModule {}

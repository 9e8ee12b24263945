import { Global, Module } from '@nestjs/common';
import { DeveloperRepository } from './developer.repository';
import { LogoutController } from './logout.controller';
import { OrganizationGuard, SessionGuard } from './session.guard';
import { SessionRepository } from './session.repository';
import { SessionService } from './session.service';

/** Sessions, the guards that read them and the developers' table; global for every page module. */
@Global()
@Module({
  controllers: [LogoutController],
  providers: [
    SessionRepository,
    SessionService,
    SessionGuard,
    OrganizationGuard,
    DeveloperRepository,
  ],
  exports: [SessionService, SessionGuard, OrganizationGuard, DeveloperRepository],
})
export class SessionsModule {}

import { Global, Module } from '@nestjs/common';
import { LogoutController } from './logout.controller';
import { OrganizationGuard, SessionGuard } from './session.guard';
import { SessionRepository } from './session.repository';
import { SessionService } from './session.service';

/** Sessions and the guards that read them; global so every page module can use the guards. */
@Global()
@Module({
  controllers: [LogoutController],
  providers: [SessionRepository, SessionService, SessionGuard, OrganizationGuard],
  exports: [SessionService, SessionGuard, OrganizationGuard],
})
export class SessionsModule {}

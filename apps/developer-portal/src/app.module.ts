import { Module } from '@nestjs/common';
import { PlatformModule } from '@app/common';
import { AccountsModule } from './accounts/accounts.module';
import { AppsModule } from './apps/apps.module';
import { SessionsModule } from './accounts/sessions.module';
import { PortalEnv } from './config/portal.env';
import { portalDatabase } from './database';
import { ExploreModule } from './explore/explore.module';
import { HomeModule } from './home/home.module';
import { HousekeepingModule } from './housekeeping/housekeeping.module';
import { MailModule } from './mail/mail.module';
import { OrganizationsModule } from './organizations/organizations.module';
import { PlatformClientModule } from './platform/platform.module';
import { SandboxModule } from './sandbox/sandbox.module';
import { WebModule } from './web/web.module';

@Module({
  imports: [
    PlatformModule.forRoot({
      service: 'developer-portal',
      env: PortalEnv,
      database: portalDatabase,
    }),
    WebModule,
    SessionsModule,
    PlatformClientModule,
    MailModule,
    HomeModule,
    AccountsModule,
    OrganizationsModule,
    AppsModule,
    SandboxModule,
    HousekeepingModule,
    ExploreModule,
  ],
})
export class DeveloperPortalModule {}

import { Module } from '@nestjs/common';
import { PlatformModule } from '@app/common';
import { SessionsModule } from './accounts/sessions.module';
import { PortalEnv } from './config/portal.env';
import { portalDatabase } from './database';
import { ExploreModule } from './explore/explore.module';
import { HomeModule } from './home/home.module';
import { PlatformClientModule } from './platform/platform.module';
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
    HomeModule,
    ExploreModule,
  ],
})
export class DeveloperPortalModule {}

import { Module } from '@nestjs/common';
import { BearerAuthModule, PlatformModule } from '@app/common';
import { ActivityEnv } from './config/activity.env';
import { activityDatabase } from './database';

@Module({
  imports: [
    PlatformModule.forRoot({
      service: 'activity-service',
      env: ActivityEnv,
      database: activityDatabase,
    }),
    BearerAuthModule.remote(),
  ],
})
export class ActivityServiceModule {}

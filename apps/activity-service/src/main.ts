import 'reflect-metadata';
import { bootstrap, type BootstrapOptions } from '@app/common';
import { ActivityServiceModule } from './app.module';

export const activityServiceOptions: BootstrapOptions = {
  title: 'activity-service (Banking Activity)',
  description:
    'The activity log of digital banking: search, near-real-time feed and stream, export, ingest.',
  portEnv: 'ACTIVITY_PORT',
  defaultPort: 3003,
};

if (require.main === module) {
  bootstrap(ActivityServiceModule, activityServiceOptions).catch((err: unknown) => {
    console.error(err);
    process.exit(1);
  });
}

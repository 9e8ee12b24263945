import 'reflect-metadata';
import { bootstrap, type BootstrapOptions } from '@app/common';
import { ActivityServiceModule } from './app.module';
import { installBatchBodyParser, installBodyErrorMapping } from './common/body-parsing';
import { ActivityEnv } from './config/activity.env';

export const activityServiceOptions: BootstrapOptions = {
  title: 'activity-service (Banking Activity)',
  description:
    'The activity log of digital banking: search, near-real-time feed and stream, export, ingest.',
  portEnv: 'ACTIVITY_PORT',
  defaultPort: 3003,
  beforeBodyParser: (app) =>
    installBatchBodyParser(app, app.get(ActivityEnv).ACTIVITY_BATCH_BODY_LIMIT_BYTES),
  configure: (app) => installBodyErrorMapping(app),
};

if (require.main === module) {
  bootstrap(ActivityServiceModule, activityServiceOptions).catch((err: unknown) => {
    console.error(err);
    process.exit(1);
  });
}

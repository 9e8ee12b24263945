import 'reflect-metadata';
import { bootstrap, reportStartupFailure, type BootstrapOptions } from '@app/common';
import { ActivityServiceModule } from './app.module';
import { ActivityErrors } from './common/activity.errors';
import { installBodyParsers } from './common/body-parsing';
import { ActivityEnv } from './config/activity.env';

export const activityServiceOptions: BootstrapOptions = {
  title: 'activity-service (Banking Activity)',
  description:
    'The activity log of digital banking: search, near-real-time feed and stream, export, ingest.\n\n' +
    'Read consistency: where a read replica serves searches and exports, their answers may lag ' +
    "the last writes by the replica's replay delay. A search or export that must see a write " +
    'just made (a page right after ingest) sends the request header `Consistency: strong` and is ' +
    'answered from the primary. The feed and the stream always read the primary.',
  portEnv: 'ACTIVITY_PORT',
  // Unsafe text anywhere in a request: BAS_10005 with a pointer per field, as other bad arguments.
  inputProblem: ActivityErrors.invalidArguments,
  configure: (app) => {
    const env = app.get(ActivityEnv);
    installBodyParsers(app, {
      bodyLimit: env.BODY_LIMIT_BYTES,
      batchLimit: env.ACTIVITY_BATCH_BODY_LIMIT_BYTES,
    });
  },
};

if (require.main === module) {
  bootstrap(ActivityServiceModule, activityServiceOptions).catch((err: unknown) => {
    reportStartupFailure('activity-service', err);
    process.exit(1);
  });
}

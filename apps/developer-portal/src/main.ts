import 'reflect-metadata';
import { HttpAdapterHost } from '@nestjs/core';
import { bootstrap, ProblemFilter, reportStartupFailure, type BootstrapOptions } from '@app/common';
import { DeveloperPortalModule } from './app.module';
import { PortalEnv } from './config/portal.env';
import { installWeb } from './web/install-web';
import { PageErrorFilter } from './web/page-error.filter';

export const developerPortalOptions: BootstrapOptions = {
  title: 'developer-portal',
  description:
    'Developer portal: sign up, a sandbox organization with its own FI, apps and their keys, ' +
    'the API reference with try-it, a test drive of the activity API, sandbox reset.',
  portEnv: 'PORTAL_PORT',
  configure: (app) => {
    installWeb(app);
    const env = app.get(PortalEnv);
    const problems = new ProblemFilter(app.get(HttpAdapterHost), env.BODY_LIMIT_BYTES);
    app.useGlobalFilters(new PageErrorFilter(env, problems));
  },
};

if (require.main === module) {
  bootstrap(DeveloperPortalModule, developerPortalOptions).catch((err: unknown) => {
    reportStartupFailure('developer-portal', err);
    process.exit(1);
  });
}

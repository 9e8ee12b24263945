import { randomBytes } from 'node:crypto';
import type { Pool } from 'pg';
import { ActivityServiceModule } from '../../../apps/activity-service/src/app.module';
import { activityServiceOptions } from '../../../apps/activity-service/src/main';
import { CustomerServiceModule } from '../../../apps/customer-service/src/app.module';
import { customerServiceOptions } from '../../../apps/customer-service/src/main';
import { DeveloperPortalModule } from '../../../apps/developer-portal/src/app.module';
import { MailCatcher, type CaughtMail } from '../../../apps/developer-portal/src/mail/mail-catcher';
import { developerPortalOptions } from '../../../apps/developer-portal/src/main';
import { freePort } from '../../../scripts/embedded-postgres';
import { createTestDatabase, testPool, type TestDatabase } from '../../support/database';
import {
  baseEnv,
  feedClientEnv,
  INTERNAL,
  startApp,
  startAuthServer,
  type RunningApp,
} from '../../support/platform';

export interface PortalPlatform {
  db: TestDatabase;
  auth: RunningApp & { env: Record<string, string> };
  customer: RunningApp;
  activity: RunningApp;
  portal: RunningApp;
  portalEnv: Record<string, string>;
  /** A pool on the test database, for assertions on the portal's tables. */
  sql: Pool;
  /**
   * Starts the customer- and activity-service on the ports the portal already points at
   * (startPortalPlatform with `deferServices`: the portal first meets them down).
   */
  startServices(): Promise<void>;
  /** The newest mail to `address` (matching `match`) the portal's in-process catcher received. */
  mailTo(address: string, match?: (mail: CaughtMail) => boolean): Promise<CaughtMail>;
  close(): Promise<void>;
}

/**
 * The developer portal with the real auth-server, customer-service and activity-service in this
 * process, on one fresh database; the portal's mail goes to its in-process SMTP catcher.
 */
export async function startPortalPlatform(
  label: string,
  portalExtra: Record<string, string> = {},
  options: { withServices?: boolean; deferServices?: boolean } = {},
): Promise<PortalPlatform> {
  const db = await createTestDatabase(label);
  const portalSecret = randomBytes(32).toString('base64url');
  const started: RunningApp[] = [];
  try {
    const [customerPort, activityPort] = [await freePort(), await freePort()];
    const auth = await startAuthServer(db, {
      PORTAL_CLIENT_SECRET: portalSecret,
      // The password grant checks customers' credentials there.
      CUSTOMER_SERVICE_URL: `http://127.0.0.1:${customerPort}`,
    });
    started.push(auth);
    const withServices = options.withServices ?? true;
    let customer: RunningApp | undefined;
    let activity: RunningApp | undefined;
    const startServices = async () => {
      customer = await startApp(
        CustomerServiceModule,
        customerServiceOptions,
        baseEnv(db, {
          AUTH_ISSUER: auth.url,
          AUTH_INTERNAL_URL: auth.url,
          SSN_ENCRYPTION_KEY: randomBytes(32).toString('base64url'),
          CUSTOMER_SERVICE_CLIENT_SECRET: INTERNAL.customerService.clientSecret,
          ACTIVITY_SERVICE_URL: `http://127.0.0.1:${activityPort}`,
          OUTBOX_POLL_MS: '200',
          ...feedClientEnv(INTERNAL.customerService),
          ARGON2_MEMORY_KIB: '7168',
          ARGON2_ITERATIONS: '1',
        }),
        customerPort,
      );
      started.push(customer);
      activity = await startApp(
        ActivityServiceModule,
        activityServiceOptions,
        baseEnv(db, {
          AUTH_ISSUER: auth.url,
          AUTH_INTERNAL_URL: auth.url,
          ACTIVITY_PAGE_TOKEN_KEY: randomBytes(32).toString('base64url'),
          ...feedClientEnv(INTERNAL.activityService),
        }),
        activityPort,
      );
      started.push(activity);
    };
    if (withServices && !options.deferServices) await startServices();
    const port = await freePort();
    const portalEnv = baseEnv(db, {
      AUTH_ISSUER: auth.url,
      AUTH_INTERNAL_URL: auth.url,
      PORTAL_PUBLIC_URL: `http://127.0.0.1:${port}`,
      PORTAL_CLIENT_SECRET: portalSecret,
      CUSTOMER_SERVICE_URL: `http://127.0.0.1:${customerPort}`,
      ACTIVITY_SERVICE_URL: `http://127.0.0.1:${activityPort}`,
      PLATFORM_TIMEOUT_MS: '20000',
      ARGON2_MEMORY_KIB: '7168',
      ARGON2_ITERATIONS: '1',
      ...portalExtra,
    });
    const portal = await startApp(DeveloperPortalModule, developerPortalOptions, portalEnv, port);
    started.push(portal);
    const sql = testPool(db.url, 2);
    const catcher = portal.app.get(MailCatcher);
    return {
      db,
      auth,
      get customer() {
        if (!customer) throw new Error('the customer-service was not started');
        return customer;
      },
      get activity() {
        if (!activity) throw new Error('the activity-service was not started');
        return activity;
      },
      startServices,
      portal,
      portalEnv,
      sql,
      mailTo: (address, match) => catcher.waitFor(address, match),
      close: async () => {
        await sql.end();
        for (const app of started.reverse()) await app.close();
        await db.drop();
      },
    };
  } catch (err) {
    for (const app of started.reverse()) await app.close().catch(() => undefined);
    await db.drop();
    throw err;
  }
}

/**
 * The three services and the developer portal in this process, on one database: for generating
 * the OpenAPI documents (npm run postman) and for the tests that need the whole platform
 * (gateway, Postman).
 */
import { randomBytes } from 'node:crypto';
import type { INestApplication } from '@nestjs/common';
import { bootstrap } from '@app/common';
import { ActivityServiceModule } from '../apps/activity-service/src/app.module';
import { activityServiceOptions } from '../apps/activity-service/src/main';
import { AuthServerModule } from '../apps/auth-server/src/app.module';
import { authServerOptions } from '../apps/auth-server/src/main';
import { CustomerServiceModule } from '../apps/customer-service/src/app.module';
import { customerServiceOptions } from '../apps/customer-service/src/main';
import { DeveloperPortalModule } from '../apps/developer-portal/src/app.module';
import { developerPortalOptions } from '../apps/developer-portal/src/main';
import { freePort } from './embedded-postgres';
import { SANDBOX } from './sandbox';

export interface LocalPlatform {
  urls: { auth: string; customer: string; activity: string; portal: string };
  env: Record<string, string>;
  close(): Promise<void>;
}

export async function startLocalPlatform(
  databaseUrl: string,
  extra: Record<string, string> = {},
): Promise<LocalPlatform> {
  const [authPort, customerPort, activityPort, portalPort] = [
    await freePort(),
    await freePort(),
    await freePort(),
    await freePort(),
  ];
  const urls = {
    auth: `http://127.0.0.1:${authPort}`,
    customer: `http://127.0.0.1:${customerPort}`,
    activity: `http://127.0.0.1:${activityPort}`,
    portal: `http://127.0.0.1:${portalPort}`,
  };
  const secret = () => randomBytes(32).toString('base64url');
  const env: Record<string, string> = {
    NODE_ENV: 'test',
    LOG_LEVEL: 'silent',
    DATABASE_URL: databaseUrl,
    DATABASE_POOL_SIZE: '5',
    AUTH_ISSUER: urls.auth,
    AUTH_INTERNAL_URL: urls.auth,
    REVOCATION_POLL_MS: '500',
    CLIENT_SECRET_PEPPER: secret(),
    KEY_ENCRYPTION_KEY: secret(),
    SSN_ENCRYPTION_KEY: secret(),
    ACTIVITY_PAGE_TOKEN_KEY: secret(),
    ADMIN_CLIENT_ID: 'platform-admin',
    ADMIN_CLIENT_SECRET: secret(),
    SANDBOX_MODE: 'true',
    SANDBOX_INSTITUTION_ID: SANDBOX.institutionId,
    SANDBOX_CLIENT_ID: SANDBOX.clientId,
    SANDBOX_CLIENT_SECRET: SANDBOX.clientSecret,
    CUSTOMER_SERVICE_URL: urls.customer,
    CUSTOMER_SERVICE_CLIENT_ID: 'customer-service',
    CUSTOMER_SERVICE_CLIENT_SECRET: secret(),
    ACTIVITY_SERVICE_CLIENT_SECRET: secret(),
    PORTAL_CLIENT_SECRET: secret(),
    ACTIVITY_SERVICE_URL: urls.activity,
    OUTBOX_POLL_MS: '200',
    PORTAL_PUBLIC_URL: urls.portal,
    ...extra,
  };
  // Each service is configured by its own record (not process.env); each resource server reads
  // the revocation feed as its own internal client.
  const feedClient = (id: string, secret: string | undefined) => ({
    ...env,
    AUTH_CLIENT_ID: id,
    AUTH_CLIENT_SECRET: secret ?? '',
  });
  const apps: INestApplication[] = [];
  try {
    apps.push(
      (await bootstrap(AuthServerModule, { ...authServerOptions, env, port: authPort })).app,
    );
    apps.push(
      (
        await bootstrap(CustomerServiceModule, {
          ...customerServiceOptions,
          env: feedClient('customer-service', env.CUSTOMER_SERVICE_CLIENT_SECRET),
          port: customerPort,
        })
      ).app,
    );
    apps.push(
      (
        await bootstrap(ActivityServiceModule, {
          ...activityServiceOptions,
          env: feedClient('activity-service', env.ACTIVITY_SERVICE_CLIENT_SECRET),
          port: activityPort,
        })
      ).app,
    );
    apps.push(
      (await bootstrap(DeveloperPortalModule, { ...developerPortalOptions, env, port: portalPort }))
        .app,
    );
  } catch (err) {
    await Promise.all(apps.map((a) => a.close()));
    throw err;
  }
  return {
    urls,
    env,
    close: async () => void (await Promise.all(apps.reverse().map((a) => a.close()))),
  };
}

export async function openApiDocuments(
  platform: LocalPlatform,
): Promise<Record<'auth' | 'customer' | 'activity', OpenApiDocument>> {
  const get = async (url: string) =>
    (await (await fetch(`${url}/docs-json`)).json()) as OpenApiDocument;
  return {
    auth: await get(platform.urls.auth),
    customer: await get(platform.urls.customer),
    activity: await get(platform.urls.activity),
  };
}

export interface OpenApiDocument {
  openapi: string;
  info: { title: string; description?: string; version: string };
  servers?: { url: string }[];
  paths: Record<
    string,
    Record<string, { tags?: string[]; security?: Record<string, string[]>[]; summary?: string }>
  >;
  [key: string]: unknown;
}

import { randomBytes } from 'node:crypto';
import type { INestApplication } from '@nestjs/common';
import { bootstrap, type BootstrapOptions } from '@app/common';
import { AuthServerModule } from '../../apps/auth-server/src/app.module';
import { authServerOptions } from '../../apps/auth-server/src/main';
import { freePort } from '../../scripts/embedded-postgres';
import type { TestDatabase } from './database';

export interface RunningApp {
  app: INestApplication;
  url: string;
  close(): Promise<void>;
}

export interface Credentials {
  clientId: string;
  clientSecret: string;
}

export const ADMIN: Credentials = {
  clientId: 'platform-admin',
  clientSecret: randomBytes(32).toString('base64url'),
};

/**
 * The internal clients every test auth-server ensures; the resource servers read the revocation
 * feed with them (AUTH_CLIENT_ID / AUTH_CLIENT_SECRET).
 */
export const INTERNAL: Record<'customerService' | 'activityService', Credentials> = {
  customerService: {
    clientId: 'customer-service',
    clientSecret: randomBytes(32).toString('base64url'),
  },
  activityService: {
    clientId: 'activity-service',
    clientSecret: randomBytes(32).toString('base64url'),
  },
};

/** AUTH_CLIENT_ID / AUTH_CLIENT_SECRET of a resource server authenticating as `client`. */
export const feedClientEnv = (client: Credentials): Record<string, string> => ({
  AUTH_CLIENT_ID: client.clientId,
  AUTH_CLIENT_SECRET: client.clientSecret,
});

/** Environment every service of a test run shares; values a test passes win. */
export function baseEnv(
  db: TestDatabase,
  extra: Record<string, string> = {},
): Record<string, string> {
  return {
    NODE_ENV: 'test',
    LOG_LEVEL: process.env.TEST_LOG_LEVEL ?? 'silent',
    DATABASE_URL: db.url,
    DATABASE_POOL_SIZE: '5',
    CLIENT_SECRET_PEPPER: randomBytes(32).toString('base64url'),
    KEY_ENCRYPTION_KEY: randomBytes(32).toString('base64url'),
    ADMIN_CLIENT_ID: ADMIN.clientId,
    ADMIN_CLIENT_SECRET: ADMIN.clientSecret,
    REVOCATION_POLL_MS: '250',
    JWKS_REFRESH_MS: '1000',
    ...extra,
  };
}

/**
 * Starts a service in this process configured by `env` alone (its config source, instead of
 * process.env): services started side by side never see each other's settings.
 */
export async function startApp(
  module: new () => unknown,
  options: BootstrapOptions,
  env: Record<string, string>,
  port?: number,
): Promise<RunningApp> {
  const running = await bootstrap(module, { ...options, env, port: port ?? 0 });
  return { app: running.app, url: running.url, close: () => running.app.close() };
}

/**
 * The real auth-server on a free port, its issuer being its own URL (so discovery works). Its
 * environment names the activity-service's internal client as AUTH_CLIENT_ID, so a resource
 * server started with it reads the revocation feed.
 */
export async function startAuthServer(
  db: TestDatabase,
  extra: Record<string, string> = {},
): Promise<RunningApp & { env: Record<string, string> }> {
  const port = await freePort();
  const url = `http://127.0.0.1:${port}`;
  const env = baseEnv(db, {
    AUTH_ISSUER: url,
    AUTH_INTERNAL_URL: url,
    CUSTOMER_SERVICE_CLIENT_SECRET: INTERNAL.customerService.clientSecret,
    ACTIVITY_SERVICE_CLIENT_SECRET: INTERNAL.activityService.clientSecret,
    ...feedClientEnv(INTERNAL.activityService),
    ...extra,
  });
  const app = await startApp(AuthServerModule, authServerOptions, env, port);
  return { ...app, env };
}

/** POSTs an OAuth form and returns status, headers and JSON body. */
export async function postForm(
  url: string,
  params: Record<string, string>,
  init: { basic?: Credentials; headers?: Record<string, string>; method?: string } = {},
): Promise<{ status: number; headers: Headers; body: Record<string, unknown> }> {
  const headers: Record<string, string> = {
    'content-type': 'application/x-www-form-urlencoded',
    ...init.headers,
  };
  if (init.basic) {
    const enc = (s: string) => encodeURIComponent(s);
    headers.authorization = `Basic ${Buffer.from(`${enc(init.basic.clientId)}:${enc(init.basic.clientSecret)}`).toString('base64')}`;
  }
  const res = await fetch(url, {
    method: init.method ?? 'POST',
    headers,
    body: new URLSearchParams(params).toString(),
  });
  const text = await res.text();
  return {
    status: res.status,
    headers: res.headers,
    body: text ? (JSON.parse(text) as Record<string, unknown>) : {},
  };
}

/** A client_credentials access token. */
export async function clientToken(
  authUrl: string,
  client: Credentials,
  scope?: string,
): Promise<string> {
  const res = await postForm(
    `${authUrl}/oauth2/v1/token`,
    { grant_type: 'client_credentials', ...(scope ? { scope } : {}) },
    { basic: client },
  );
  if (res.status !== 200)
    throw new Error(`token request failed: ${res.status} ${JSON.stringify(res.body)}`);
  return res.body.access_token as string;
}

/** Registers a client through the admin API and returns its credentials. */
export async function createClient(
  authUrl: string,
  body: {
    institutionId: string;
    name?: string;
    scopes: string[];
    grantTypes?: string[];
    defaultScopes?: string[];
  },
  admin: Credentials = ADMIN,
): Promise<Credentials> {
  const token = await clientToken(authUrl, admin, 'clients:admin');
  const res = await fetch(`${authUrl}/admin/v1/clients`, {
    method: 'POST',
    headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
    body: JSON.stringify({ name: 'test client', grantTypes: ['client_credentials'], ...body }),
  });
  const json = (await res.json()) as { clientId: string; clientSecret: string };
  if (res.status !== 201)
    throw new Error(`client creation failed: ${res.status} ${JSON.stringify(json)}`);
  return { clientId: json.clientId, clientSecret: json.clientSecret };
}

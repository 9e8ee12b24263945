import { randomBytes } from 'node:crypto';
import type { Pool } from 'pg';
import { ActivityServiceModule } from '../../apps/activity-service/src/app.module';
import { activityServiceOptions } from '../../apps/activity-service/src/main';
import { createTestDatabase, testPool, type TestDatabase } from './database';
import {
  baseEnv,
  clientToken,
  createClient,
  feedClientEnv,
  INTERNAL,
  startApp,
  startAuthServer,
  type Credentials,
  type RunningApp,
} from './platform';

export const FI_READ_SCOPES = 'banking-activities:read account:read';
export const ALL_ACTIVITY_SCOPES = [
  'banking-activities:read',
  'account:read',
  'banking-activities:write',
];

export interface ApiAnswer<T = unknown> {
  status: number;
  headers: Headers;
  /** Parsed JSON when the answer is JSON, else undefined. */
  body: T;
  text: string;
}

/** The real auth-server and activity-service on one fresh database, with helpers for tokens. */
export interface ActivityPlatform {
  db: TestDatabase;
  auth: RunningApp;
  activity: RunningApp;
  /** A pool on the test database, for assertions straight on the tables. */
  sql: Pool;
  /** An FI's client with the given scopes, created through the admin API. */
  client(institutionId: string, scopes?: string[]): Promise<Credentials>;
  /** A token of a new client of `institutionId` holding `scopes` (space-separated). */
  token(institutionId: string, scopes: string): Promise<string>;
  /** A token of the internal customer-service client (internal:events:write). */
  internalToken(): Promise<string>;
  post<T = unknown>(
    path: string,
    token: string | null,
    body: unknown,
    headers?: Record<string, string>,
  ): Promise<ApiAnswer<T>>;
  get<T = unknown>(
    path: string,
    token: string | null,
    headers?: Record<string, string>,
  ): Promise<ApiAnswer<T>>;
  close(): Promise<void>;
}

export const ACTIVITIES = '/data-apis/v1/banking-activities';

export async function startActivityPlatform(
  label: string,
  extraEnv: Record<string, string> = {},
): Promise<ActivityPlatform> {
  const db = await createTestDatabase(label);
  const internalSecret = randomBytes(32).toString('base64url');
  const auth = await startAuthServer(db, { CUSTOMER_SERVICE_CLIENT_SECRET: internalSecret });
  const activity = await startApp(
    ActivityServiceModule,
    activityServiceOptions,
    baseEnv(db, {
      AUTH_ISSUER: auth.url,
      AUTH_INTERNAL_URL: auth.url,
      ACTIVITY_PAGE_TOKEN_KEY: randomBytes(32).toString('base64url'),
      ...feedClientEnv(INTERNAL.activityService),
      ...extraEnv,
    }),
  );
  const sql = testPool(db.url, 3);

  const call = async <T>(
    method: string,
    path: string,
    token: string | null,
    body: unknown,
    headers: Record<string, string> = {},
  ): Promise<ApiAnswer<T>> => {
    const res = await fetch(`${activity.url}${path}`, {
      method,
      headers: {
        ...(token ? { authorization: `Bearer ${token}` } : {}),
        ...(body !== undefined ? { 'content-type': 'application/json' } : {}),
        ...headers,
      },
      body: body === undefined ? undefined : typeof body === 'string' ? body : JSON.stringify(body),
    });
    const text = await res.text();
    const type = res.headers.get('content-type') ?? '';
    const json =
      /json/.test(type) && !/ndjson/.test(type) && text
        ? (JSON.parse(text) as T)
        : (undefined as T);
    return { status: res.status, headers: res.headers, body: json, text };
  };

  return {
    db,
    auth,
    activity,
    sql,
    client: (institutionId, scopes = ALL_ACTIVITY_SCOPES) =>
      createClient(auth.url, { institutionId, scopes }),
    token: async (institutionId, scopes) =>
      clientToken(
        auth.url,
        await createClient(auth.url, { institutionId, scopes: scopes.split(' ') }),
        scopes,
      ),
    internalToken: () =>
      clientToken(
        auth.url,
        { clientId: 'customer-service', clientSecret: internalSecret },
        'internal:events:write',
      ),
    post: (path, token, body, headers) => call('POST', path, token, body, headers),
    get: (path, token, headers) => call('GET', path, token, undefined, headers),
    close: async () => {
      await activity.close();
      await auth.close();
      await sql.end();
      await db.drop();
    },
  };
}

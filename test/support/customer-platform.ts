import { randomBytes, randomUUID } from 'node:crypto';
import { SecretBox } from '@app/common';
import { SignJWT, importPKCS8 } from 'jose';
import { CustomerServiceModule } from '../../apps/customer-service/src/app.module';
import { customerServiceOptions } from '../../apps/customer-service/src/main';
import { freePort } from '../../scripts/embedded-postgres';
import { createTestDatabase, testClient, type TestDatabase } from './database';
import { withS } from './forge';
import {
  baseEnv,
  clientToken,
  createClient,
  feedClientEnv,
  postForm,
  startApp,
  startAuthServer,
  type Credentials,
  type RunningApp,
} from './platform';

/** Every FI scope an FI's app can hold for the customer-service. */
export const APP_SCOPES = [
  'customers:write',
  'customers:read',
  'profile:read',
  'profile:write',
  'disclosures:read',
  'disclosures:write',
];

export interface CustomerPlatform {
  db: TestDatabase;
  /** The environment the customer-service was started with (to start another instance). */
  env: Record<string, string>;
  /** The auth-server's environment (its KEY_ENCRYPTION_KEY opens its signing key). */
  authEnv: Record<string, string>;
  auth: RunningApp;
  customers: RunningApp;
  /** Secret of the internal `customer-service` client, ensured by the auth-server. */
  eventsSecret: string;
  /** An app client of `fi-one` with every customer-service scope and the password grant. */
  app: Credentials;
  /** The mobile app of `fi-one`: password and refresh grants, profile scopes. */
  mobile: Credentials;
  /** An app client of another FI, `fi-two`. */
  otherFi: Credentials;
  sql<T = Record<string, unknown>>(text: string, params?: unknown[]): Promise<T[]>;
  close(): Promise<void>;
}

/**
 * The real auth-server and the real customer-service on one fresh database: the auth-server's
 * password grant calls this customer-service, which verifies tokens against that auth-server.
 */
export async function startCustomerPlatform(
  label: string,
  extraEnv: Record<string, string> = {},
): Promise<CustomerPlatform> {
  const db = await createTestDatabase(label);
  const customerPort = await freePort();
  const eventsSecret = randomBytes(32).toString('base64url');
  const auth = await startAuthServer(db, {
    CUSTOMER_SERVICE_URL: `http://127.0.0.1:${customerPort}`,
    CUSTOMER_SERVICE_CLIENT_SECRET: eventsSecret,
  });
  const env = baseEnv(db, {
    AUTH_ISSUER: auth.url,
    AUTH_INTERNAL_URL: auth.url,
    SSN_ENCRYPTION_KEY: randomBytes(32).toString('base64url'),
    CUSTOMER_SERVICE_CLIENT_ID: 'customer-service',
    CUSTOMER_SERVICE_CLIENT_SECRET: eventsSecret,
    ...feedClientEnv({ clientId: 'customer-service', clientSecret: eventsSecret }),
    // Fast, cheap hashing keeps the suite quick; the benchmark uses the real parameters.
    ARGON2_MEMORY_KIB: '7168',
    ARGON2_ITERATIONS: '1',
    ...extraEnv,
  });
  const customers = await startApp(
    CustomerServiceModule,
    customerServiceOptions,
    env,
    customerPort,
  );
  const app = await createClient(auth.url, {
    institutionId: 'fi-one',
    scopes: APP_SCOPES,
    grantTypes: ['client_credentials', 'password', 'refresh_token'],
  });
  const mobile = await createClient(auth.url, {
    institutionId: 'fi-one',
    scopes: ['profile:read', 'profile:write', 'disclosures:read'],
    grantTypes: ['password', 'refresh_token'],
  });
  const otherFi = await createClient(auth.url, {
    institutionId: 'fi-two',
    scopes: APP_SCOPES,
    grantTypes: ['client_credentials', 'password', 'refresh_token'],
  });
  const pg = await testClient({ connectionString: db.url, options: '-c search_path=customer' });
  return {
    db,
    env,
    authEnv: auth.env,
    auth,
    customers,
    eventsSecret,
    app,
    mobile,
    otherFi,
    sql: async <T>(text: string, params: unknown[] = []) =>
      (await pg.query(text, params)).rows as T[],
    close: async () => {
      await pg.end();
      await customers.close();
      await auth.close();
      await db.drop();
    },
  };
}

export interface ApiResponse<T = Record<string, unknown>> {
  status: number;
  headers: Headers;
  body: T;
}

/**
 * An access token signed with the auth-server's real key but with claims it would never issue
 * (defence-in-depth checks that the auth-server's own rules make unreachable).
 */
export async function forgedToken(
  platform: CustomerPlatform,
  claims: Record<string, unknown>,
): Promise<string> {
  const [row] = await platform.sql<{ kid: string; private_key_sealed: string }>(
    `SELECT kid, private_key_sealed FROM auth.signing_keys WHERE status = 'active'`,
  );
  const pem = SecretBox.fromString(platform.authEnv.KEY_ENCRYPTION_KEY!)
    .open(row!.private_key_sealed, row!.kid)
    .toString('utf8');
  const now = Math.floor(Date.now() / 1000);
  const token = await new SignJWT({ jti: randomUUID(), ...claims })
    .setProtectedHeader({ alg: 'ES256', typ: 'at+jwt', kid: row!.kid })
    .setIssuer(platform.auth.url)
    .setAudience('digital-banking-api')
    .setIssuedAt(now)
    .setExpirationTime(now + 300)
    .sign(await importPKCS8(pem, 'ES256'));
  return withS(token, 'low');
}

/** Another instance of the customer-service on the same database (as a second replica). */
export function startCustomerReplica(platform: CustomerPlatform): Promise<RunningApp> {
  return startApp(CustomerServiceModule, customerServiceOptions, platform.env);
}

/** A JSON call to the customer-service with a bearer token. */
export async function api<T = Record<string, unknown>>(
  platform: CustomerPlatform,
  method: string,
  path: string,
  init: {
    token?: string;
    body?: unknown;
    headers?: Record<string, string>;
    contentType?: string;
    rawBody?: string;
  } = {},
): Promise<ApiResponse<T>> {
  const headers: Record<string, string> = { ...init.headers };
  if (init.token) headers.authorization = `Bearer ${init.token}`;
  let body: string | undefined = init.rawBody;
  if (init.body !== undefined) body = JSON.stringify(init.body);
  if (body !== undefined) headers['content-type'] = init.contentType ?? 'application/json';
  const res = await fetch(`${platform.customers.url}${path}`, { method, headers, body });
  const text = await res.text();
  return {
    status: res.status,
    headers: res.headers,
    body: (text ? JSON.parse(text) : undefined) as T,
  };
}

/** A client_credentials token of `creds` with these scopes (all of the app's by default). */
export const appToken = (platform: CustomerPlatform, creds: Credentials, scopes = APP_SCOPES) =>
  clientToken(platform.auth.url, creds, scopes.join(' '));

/** The real password grant of the auth-server, which asks this customer-service. */
export function passwordGrant(
  platform: CustomerPlatform,
  username: string,
  password: string,
  client: Credentials = platform.mobile,
  extra: Record<string, string> = {},
) {
  return postForm(
    `${platform.auth.url}/oauth2/v1/token`,
    { grant_type: 'password', username, password, ...extra },
    { basic: client },
  );
}

let counter = 0;

/** A unique, valid loginId. */
export const newLoginId = (prefix = 'user'): string =>
  `${prefix}${Date.now().toString(36)}${(counter++).toString(36)}`.slice(0, 20);

export const STRONG_PASSWORD = 'violet tractor sings at dawn';

/** A valid retail registration; `overrides` replace top-level members, `person` is merged. */
export function registrationBody(
  overrides: Record<string, unknown> = {},
  person: Record<string, unknown> = {},
): Record<string, unknown> {
  return {
    loginId: newLoginId(),
    password: STRONG_PASSWORD,
    userType: 'RETAIL',
    person: {
      firstName: 'Jane',
      middleName: 'Quinn',
      lastName: 'Doe',
      birthDate: '1990-04-17',
      ssn: '123-45-6780',
      emailAddress: 'jane.doe@example.com',
      phoneNumber: '(202) 555-0143',
      postalAddress: {
        address1: '100 Main Street',
        address2: 'Apt 4',
        city: 'Springfield',
        state: 'IL',
        postalCode: '62701',
        country: 'US',
      },
      ...person,
    },
    acceptedDisclosures: [],
    ...overrides,
  };
}

/** Polls `check` until it returns a value (not a timed assertion: it waits, then the test asserts). */
export async function eventually<T>(
  check: () => Promise<T | undefined | false>,
  what: string,
  timeoutMs = 20_000,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await check();
    if (value) return value;
    if (Date.now() > deadline) throw new Error(`gave up waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

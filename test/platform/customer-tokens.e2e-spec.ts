import { randomUUID } from 'node:crypto';
import { CUSTOMER_SCOPES, FI_SCOPES, SecretBox } from '@app/common';
import { SignJWT, importPKCS8 } from 'jose';
import { Client } from 'pg';
import { ActivityServiceModule } from '../../apps/activity-service/src/app.module';
import { AuthServerModule } from '../../apps/auth-server/src/app.module';
import { CustomerServiceModule } from '../../apps/customer-service/src/app.module';
import { startLocalPlatform, type LocalPlatform } from '../../scripts/local-platform';
import { SANDBOX } from '../../scripts/sandbox';
import { eventually, registrationBody, STRONG_PASSWORD } from '../support/customer-platform';
import { createTestDatabase, type TestDatabase } from '../support/database';
import { withS } from '../support/forge';
import { clientToken, postForm } from '../support/platform';
import { routesOf, type AppRoute } from '../support/routes';

const ACTIVITIES = '/data-apis/v1/banking-activities';

/**
 * Routes that answer without a bearer token. Any other route must be guarded: a new public route
 * has to be added here, on purpose.
 */
const PUBLIC_ROUTES = [
  'auth GET /.well-known/jwks.json',
  'auth GET /.well-known/oauth-authorization-server',
  'auth GET /health/live',
  'auth GET /health/ready',
  'auth GET /oauth2/v1/keys',
  'auth POST /oauth2/v1/introspect',
  'auth DELETE /oauth2/v1/revoke',
  'auth POST /oauth2/v1/revoke',
  'auth POST /oauth2/v1/token',
  'customer GET /health/live',
  'customer GET /health/ready',
  'activity GET /health/live',
  'activity GET /health/ready',
  'activity GET /data-apis/v1/banking-activities/delivery-keys',
  'activity GET /data-apis/v1/banking-activities/delivery-files/:fileId',
].sort();

type Service = 'auth' | 'customer' | 'activity';
type Route = AppRoute & { service: Service };

interface Customer {
  loginId: string;
  customerId: string;
  token: string;
}

/**
 * The customer-token model (docs/SECURITY.md): a password-grant token speaks for one customer.
 * It carries only customer scopes, and every route of every service either refuses it (403) or
 * answers for that customer alone. The routes come from the apps' own metadata, so a new route
 * is covered the day it is added.
 */
describe('customer tokens: every route answers for that customer alone', () => {
  let db: TestDatabase;
  let platform: LocalPlatform;
  let routes: Route[];
  let appToken: string;
  let alice: Customer;
  let bob: Customer;
  /** A customer token with every FI scope, signed with the real key: defence in depth. */
  let overScoped: string;

  const url = (service: Service, path: string) => `${platform.urls[service]}${path}`;

  const call = async (
    service: Service,
    method: string,
    path: string,
    token: string,
    body?: unknown,
    contentType = 'application/json',
  ) => {
    const res = await fetch(url(service, path), {
      method,
      headers: {
        authorization: `Bearer ${token}`,
        ...(body !== undefined ? { 'content-type': contentType } : {}),
      },
      ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
    });
    const text = await res.text();
    let json: Record<string, unknown> = {};
    try {
      json = text ? (JSON.parse(text) as Record<string, unknown>) : {};
    } catch {
      // NDJSON or CSV from the export: the status is what counts here.
    }
    return { status: res.status, body: json, text };
  };

  const register = async (): Promise<Customer> => {
    const reg = registrationBody();
    const res = await call('customer', 'POST', '/customers/v2/registrations', appToken, reg);
    if (res.status !== 201) throw new Error(`registration: ${res.status} ${res.text}`);
    const grant = await postForm(
      url('auth', '/oauth2/v1/token'),
      { grant_type: 'password', username: reg.loginId as string, password: STRONG_PASSWORD },
      { basic: SANDBOX },
    );
    if (grant.status !== 200) throw new Error(`password grant: ${grant.status}`);
    return {
      loginId: reg.loginId as string,
      customerId: res.body.customerId as string,
      token: grant.body.access_token as string,
    };
  };

  const forgeCustomerToken = async (who: Customer): Promise<string> => {
    const sql = new Client({ connectionString: db.url });
    await sql.connect();
    try {
      const { rows } = await sql.query<{ kid: string; private_key_sealed: string }>(
        `SELECT kid, private_key_sealed FROM auth.signing_keys WHERE status = 'active'`,
      );
      const pem = SecretBox.fromString(platform.env.KEY_ENCRYPTION_KEY!)
        .open(rows[0]!.private_key_sealed, rows[0]!.kid)
        .toString('utf8');
      const now = Math.floor(Date.now() / 1000);
      const token = await new SignJWT({
        jti: randomUUID(),
        client_id: SANDBOX.clientId,
        institution_id: SANDBOX.institutionId,
        scope: FI_SCOPES.join(' '),
        login_id: who.loginId,
        user_type: 'retail',
      })
        .setProtectedHeader({ alg: 'ES256', typ: 'at+jwt', kid: rows[0]!.kid })
        .setSubject(who.customerId)
        .setIssuer(platform.urls.auth)
        .setAudience('digital-banking-api')
        .setIssuedAt(now)
        .setExpirationTime(now + 300)
        .sign(await importPKCS8(pem, 'ES256'));
      // The platform accepts only the low-S form of a signature, as its auth-server signs.
      return withS(token, 'low');
    } finally {
      await sql.end();
    }
  };

  beforeAll(async () => {
    db = await createTestDatabase('customer_tokens');
    platform = await startLocalPlatform(db.url);
    const tagged = async (service: Service, module: new () => unknown) =>
      (await routesOf(module)).map((r) => ({ ...r, service }));
    routes = [
      ...(await tagged('auth', AuthServerModule)),
      ...(await tagged('customer', CustomerServiceModule)),
      ...(await tagged('activity', ActivityServiceModule)),
    ];
    appToken = await clientToken(platform.urls.auth, SANDBOX);
    alice = await register();
    bob = await register();
    overScoped = await forgeCustomerToken(alice);
  });

  afterAll(async () => {
    await platform?.close();
    await db?.drop();
  });

  const key = (r: Route) => `${r.service} ${r.method} ${r.path}`;
  /** Path parameters filled with another customer's id, or a placeholder. */
  const concrete = (path: string) =>
    path.replace(':customerId', bob.customerId).replace(/:[A-Za-z]+/g, 'x');

  it('finds the routes of all three services, and every one but the listed public ones is guarded', () => {
    expect(routes.length).toBeGreaterThan(25);
    expect(
      routes
        .filter((r) => !r.bearer)
        .map(key)
        .sort(),
    ).toEqual(PUBLIC_ROUTES);
  });

  it('a password-grant token carries only customer scopes, whatever its client holds', () => {
    const claims = JSON.parse(
      Buffer.from(alice.token.split('.')[1]!, 'base64url').toString('utf8'),
    ) as { scope: string; login_id: string };
    expect(claims.login_id).toBe(alice.loginId);
    const scopes = claims.scope.split(' ');
    expect(scopes.length).toBeGreaterThan(0);
    for (const s of scopes) expect(CUSTOMER_SCOPES).toContain(s);
  });

  it('every route for apps or the platform refuses a customer token with 403, even one holding every FI scope', async () => {
    const appRoutes = routes.filter(
      (r) => r.bearer && (r.caller === 'app' || r.caller === 'platform'),
    );
    expect(appRoutes.length).toBeGreaterThan(10);
    const answers: string[] = [];
    for (const r of appRoutes) {
      for (const [label, token] of [
        ['customer token', alice.token],
        ['over-scoped customer token', overScoped],
      ] as const) {
        const body = ['POST', 'PATCH', 'PUT'].includes(r.method) ? {} : undefined;
        const res = await call(r.service, r.method, concrete(r.path), token, body);
        answers.push(`${key(r)} (${label}): ${res.status}`);
      }
    }
    expect(answers.filter((a) => !a.endsWith(': 403'))).toEqual([]);
  });

  /**
   * What each route open to customers answers for: its own customer's data, and a 403 for
   * anyone else's. The table must name every such route.
   */
  const customerRoutes: Record<string, () => Promise<void>> = {
    'customer GET /customers/v2/customers/me': async () => {
      const res = await call('customer', 'GET', '/customers/v2/customers/me', alice.token);
      expect(res.status).toBe(200);
      expect(res.body.customerId).toBe(alice.customerId);
    },
    'customer PATCH /customers/v2/customers/me': async () => {
      const res = await call(
        'customer',
        'PATCH',
        '/customers/v2/customers/me',
        alice.token,
        { emailAddress: 'alice.new@example.com' },
        'application/merge-patch+json',
      );
      expect(res.status).toBe(200);
      expect(res.body.customerId).toBe(alice.customerId);
      const theirs = await call(
        'customer',
        'GET',
        `/customers/v2/customers/${bob.customerId}`,
        appToken,
      );
      expect(theirs.body.emailAddress).not.toBe('alice.new@example.com');
    },
    'customer POST /customers/v2/customers/me/disclosure-acceptances': async () => {
      const res = await call(
        'customer',
        'POST',
        '/customers/v2/customers/me/disclosure-acceptances',
        alice.token,
        { disclosureId: 'no-such-disclosure', version: '1' },
      );
      // Past the guards: the service looked for the disclosure in the customer's FI.
      expect({ status: res.status, code: res.body.code }).toEqual({
        status: 422,
        code: 'CUS_DISCLOSURE_NOT_IN_FORCE',
      });
    },
    'customer GET /customers/v2/disclosures': async () => {
      const res = await call('customer', 'GET', '/customers/v2/disclosures', alice.token);
      expect(res.status).toBe(200);
      expect(Array.isArray(res.body.disclosures)).toBe(true);
    },
    'customer GET /customers/v2/disclosures/:disclosureId/versions/:version': async () => {
      const res = await call(
        'customer',
        'GET',
        '/customers/v2/disclosures/no-such-disclosure/versions/1',
        alice.token,
      );
      expect(res.status).toBe(404);
    },
    'activity GET /data-apis/v1/banking-activities/event-types': async () => {
      const res = await call('activity', 'GET', `${ACTIVITIES}/event-types`, alice.token);
      expect(res.status).toBe(200);
      expect(Array.isArray(res.body.eventTypes)).toBe(true);
    },
    'activity POST /data-apis/v1/banking-activities': () => ownActivityOnly(''),
    'activity POST /data-apis/v1/banking-activities/export': () => ownActivityOnly('/export'),
  };

  const range = () => ({
    startTime: new Date(Date.now() - 3_600_000).toISOString(),
    endTime: new Date(Date.now() + 60_000).toISOString(),
  });

  async function ownActivityOnly(suffix: string): Promise<void> {
    const path = `${ACTIVITIES}${suffix}`;
    const lines = (text: string) =>
      suffix === '/export'
        ? text
            .split('\n')
            .filter(Boolean)
            .map((l) => JSON.parse(l) as Record<string, unknown>)
        : ((JSON.parse(text) as { bankingActivities: Record<string, unknown>[] })
            .bankingActivities ?? []);
    // Their own activity (the registration and login events the outbox delivers), by either id.
    const own = await eventually(async () => {
      const res = await call('activity', 'POST', path, alice.token, {
        ...range(),
        userIdType: 'loginId',
        userId: alice.loginId,
      });
      return res.status === 200 && lines(res.text).length > 0 && res;
    }, "the customer's own events");
    const items = lines(own.text);
    expect(items.map((i) => i.loginId)).toEqual(items.map(() => alice.loginId));
    const byCustomerId = await call('activity', 'POST', path, alice.token, {
      ...range(),
      userIdType: 'customerId',
      userIds: [alice.customerId],
    });
    expect(byCustomerId.status).toBe(200);

    // Anyone else's, the whole FI's, or a list that slips another user in: 403, for both tokens.
    for (const token of [alice.token, overScoped]) {
      for (const body of [
        { ...range(), userIdType: 'loginId', userId: bob.loginId },
        { ...range(), userIdType: 'customerId', userId: bob.customerId },
        { ...range(), userIdType: 'loginId', userIds: [alice.loginId, bob.loginId] },
        { ...range() },
        { ...range(), eventIds: ['loginSuccess'] },
      ]) {
        const res = await call('activity', 'POST', path, token, body);
        expect({ body, status: res.status, code: res.body.code }).toEqual({
          body,
          status: 403,
          code: 'ACTIVITY_CUSTOMER_FORBIDDEN',
        });
      }
    }
  }

  it('names every route open to customers, and no other', () => {
    const open = routes
      .filter((r) => r.bearer && (r.caller === 'customer' || r.caller === 'app-or-customer'))
      .map(key)
      .sort();
    expect(open).toEqual(Object.keys(customerRoutes).sort());
  });

  it.each(Object.keys(customerRoutes))('%s answers for the customer alone', async (route) => {
    await customerRoutes[route]!();
  });
});

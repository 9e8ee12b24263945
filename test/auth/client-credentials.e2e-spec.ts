import { decodeJwt, decodeProtectedHeader } from 'jose';
import { createTestDatabase, type TestDatabase } from '../support/database';
import {
  createClient,
  postForm,
  startAuthServer,
  type Credentials,
  type RunningApp,
} from '../support/platform';

describe('auth-server: client_credentials grant', () => {
  let db: TestDatabase;
  let auth: RunningApp;
  let app: Credentials;
  let noCc: Credentials;
  let tokenUrl: string;

  beforeAll(async () => {
    db = await createTestDatabase('auth_cc');
    auth = await startAuthServer(db);
    tokenUrl = `${auth.url}/oauth2/v1/token`;
    app = await createClient(auth.url, {
      institutionId: 'fi-one',
      scopes: ['customers:read', 'customers:write', 'banking-activities:read', 'account:read'],
      defaultScopes: ['customers:read'],
    });
    noCc = await createClient(auth.url, {
      institutionId: 'fi-one',
      scopes: ['profile:read'],
      grantTypes: ['password'],
    });
  });
  afterAll(async () => {
    await auth?.close();
    await db?.drop();
  });

  it('issues an ES256 at+jwt with the contract claims (HTTP Basic)', async () => {
    const res = await postForm(
      tokenUrl,
      { grant_type: 'client_credentials', scope: 'customers:read customers:write' },
      { basic: app },
    );
    expect(res.status).toBe(200);
    expect(res.headers.get('cache-control')).toBe('no-store');
    expect(res.body).toMatchObject({
      token_type: 'Bearer',
      expires_in: 900,
      scope: 'customers:read customers:write',
    });
    expect(res.body.refresh_token).toBeUndefined();
    const token = res.body.access_token as string;
    expect(decodeProtectedHeader(token)).toMatchObject({
      alg: 'ES256',
      typ: 'at+jwt',
      kid: expect.any(String),
    });
    const claims = decodeJwt(token);
    expect(claims).toMatchObject({
      iss: auth.url,
      aud: 'digital-banking-api',
      sub: app.clientId,
      client_id: app.clientId,
      institution_id: 'fi-one',
      scope: 'customers:read customers:write',
      jti: expect.any(String),
    });
    expect((claims.exp as number) - (claims.iat as number)).toBe(900);
  });

  it('accepts client_id and client_secret in the body', async () => {
    const res = await postForm(tokenUrl, {
      grant_type: 'client_credentials',
      client_id: app.clientId,
      client_secret: app.clientSecret,
    });
    expect(res.status).toBe(200);
    expect(res.body.scope).toBe('customers:read');
  });

  it('reads Candescent scopes (comma-separated) and the seed spelling banking-activites:read', async () => {
    const res = await postForm(
      tokenUrl,
      { grant_type: 'client_credentials', scopes: 'banking-activites:read,account:read' },
      { basic: app },
    );
    expect(res.status).toBe(200);
    expect(res.body.scope).toBe('banking-activities:read account:read');
  });

  it('grants the default scopes when none are asked for', async () => {
    const res = await postForm(tokenUrl, { grant_type: 'client_credentials' }, { basic: app });
    expect(res.body.scope).toBe('customers:read');
  });

  it('matches an institutionId header naming the client FI', async () => {
    const ok = await postForm(
      tokenUrl,
      { grant_type: 'client_credentials' },
      { basic: app, headers: { institutionId: 'fi-one' } },
    );
    expect(ok.status).toBe(200);
    const other = await postForm(
      tokenUrl,
      { grant_type: 'client_credentials' },
      { basic: app, headers: { institutionId: 'fi-two' } },
    );
    expect(other.status).toBe(400);
    expect(other.body.error).toBe('unauthorized_client');
  });

  describe('RFC 6749 errors, never 5xx', () => {
    const cases: [string, Record<string, string>, number, string][] = [
      [
        'scope outside the allowance',
        { grant_type: 'client_credentials', scope: 'clients:admin' },
        400,
        'invalid_scope',
      ],
      [
        'unknown scope',
        { grant_type: 'client_credentials', scope: 'everything' },
        400,
        'invalid_scope',
      ],
      ['malformed scope', { grant_type: 'client_credentials', scope: 'a"b' }, 400, 'invalid_scope'],
      [
        'scope and scopes together',
        { grant_type: 'client_credentials', scope: 'customers:read', scopes: 'customers:read' },
        400,
        'invalid_request',
      ],
      ['unknown grant', { grant_type: 'authorization_code' }, 400, 'unsupported_grant_type'],
      ['missing grant_type', {}, 400, 'invalid_request'],
    ];
    it.each(cases)('%s', async (_name, params, status, error) => {
      const res = await postForm(tokenUrl, params, { basic: app });
      expect(res.status).toBe(status);
      expect(res.body.error).toBe(error);
      expect(typeof res.body.error_description).toBe('string');
      expect(res.headers.get('cache-control')).toBe('no-store');
    });

    it('refuses a grant the client is not registered for', async () => {
      const res = await postForm(tokenUrl, { grant_type: 'client_credentials' }, { basic: noCc });
      expect(res.status).toBe(400);
      expect(res.body.error).toBe('unauthorized_client');
    });

    it('refuses a JSON body (wrong content type)', async () => {
      const res = await fetch(tokenUrl, {
        method: 'POST',
        headers: { 'content-type': 'application/json', authorization: basic(app) },
        body: JSON.stringify({ grant_type: 'client_credentials' }),
      });
      expect(res.status).toBe(400);
      expect(await res.json()).toMatchObject({ error: 'invalid_request' });
    });

    it('refuses a repeated parameter', async () => {
      const res = await fetch(tokenUrl, {
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded', authorization: basic(app) },
        body: 'grant_type=client_credentials&scope=customers:read&scope=customers:write',
      });
      expect(res.status).toBe(400);
      expect(await res.json()).toMatchObject({ error: 'invalid_request' });
    });

    it('refuses two client authentication methods at once', async () => {
      const res = await postForm(
        tokenUrl,
        { grant_type: 'client_credentials', client_secret: app.clientSecret },
        { basic: app },
      );
      expect(res.status).toBe(400);
      expect(res.body.error).toBe('invalid_request');
    });

    it('answers a wrong Basic secret with 401 invalid_client and WWW-Authenticate: Basic', async () => {
      const res = await postForm(
        tokenUrl,
        { grant_type: 'client_credentials' },
        { basic: { ...app, clientSecret: 'wrong' } },
      );
      expect(res.status).toBe(401);
      expect(res.body.error).toBe('invalid_client');
      expect(res.headers.get('www-authenticate')).toMatch(/^Basic /);
    });

    it('answers a wrong body secret and an unknown client with 401 invalid_client', async () => {
      const attempts: Record<string, string>[] = [
        { client_id: app.clientId, client_secret: 'wrong' },
        { client_id: 'cl_nobody', client_secret: 'whatever' },
        { client_id: app.clientId },
        {},
      ];
      for (const params of attempts) {
        const res = await postForm(tokenUrl, { grant_type: 'client_credentials', ...params });
        expect(res.status).toBe(401);
        expect(res.body.error).toBe('invalid_client');
      }
    });

    it('answers an oversized form with a 4xx', async () => {
      const res = await postForm(
        tokenUrl,
        { grant_type: 'client_credentials', scope: 'x'.repeat(40_000) },
        { basic: app },
      );
      expect(res.status).toBe(413);
    });
  });
});

function basic(c: Credentials): string {
  return `Basic ${Buffer.from(`${c.clientId}:${c.clientSecret}`).toString('base64')}`;
}

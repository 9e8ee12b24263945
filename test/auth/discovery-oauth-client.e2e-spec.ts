import * as oauth from 'oauth4webapi';
import { createTestDatabase, type TestDatabase } from '../support/database';
import {
  createClient,
  startAuthServer,
  type Credentials,
  type RunningApp,
} from '../support/platform';

describe('auth-server: metadata, JWKS, and an unmodified OAuth client library', () => {
  let db: TestDatabase;
  let auth: RunningApp;
  let app: Credentials;
  const insecure = { [oauth.allowInsecureRequests]: true }; // plain HTTP on loopback only

  beforeAll(async () => {
    db = await createTestDatabase('auth_disc');
    auth = await startAuthServer(db);
    app = await createClient(auth.url, {
      institutionId: 'fi-one',
      scopes: ['customers:read', 'account:read'],
    });
  });
  afterAll(async () => {
    await auth?.close();
    await db?.drop();
  });

  it('publishes RFC 8414 metadata', async () => {
    const res = await fetch(`${auth.url}/.well-known/oauth-authorization-server`);
    expect(res.status).toBe(200);
    expect(await res.json()).toMatchObject({
      issuer: auth.url,
      token_endpoint: `${auth.url}/oauth2/v1/token`,
      jwks_uri: `${auth.url}/oauth2/v1/keys`,
      introspection_endpoint: `${auth.url}/oauth2/v1/introspect`,
      revocation_endpoint: `${auth.url}/oauth2/v1/revoke`,
      grant_types_supported: ['client_credentials', 'password', 'refresh_token'],
      token_endpoint_auth_methods_supported: ['client_secret_basic', 'client_secret_post'],
      scopes_supported: expect.arrayContaining([
        'customers:read',
        'banking-activities:read',
        'clients:admin',
      ]),
    });
  });

  it('serves the same JWKS on both paths, public keys only', async () => {
    const a = (await (await fetch(`${auth.url}/oauth2/v1/keys`)).json()) as {
      keys: Record<string, unknown>[];
    };
    const b = await (await fetch(`${auth.url}/.well-known/jwks.json`)).json();
    expect(a).toEqual(b);
    expect(a.keys.length).toBeGreaterThanOrEqual(1);
    for (const key of a.keys) {
      expect(key).toMatchObject({
        kty: 'EC',
        crv: 'P-256',
        alg: 'ES256',
        use: 'sig',
        kid: expect.any(String),
      });
      expect(key.d).toBeUndefined();
    }
  });

  it('oauth4webapi discovers the server, obtains a token, validates it, and introspects it', async () => {
    const issuer = new URL(auth.url);
    const as = await oauth.processDiscoveryResponse(
      issuer,
      await oauth.discoveryRequest(issuer, { algorithm: 'oauth2', ...insecure }),
    );
    const client: oauth.Client = { client_id: app.clientId };
    const clientAuth = oauth.ClientSecretBasic(app.clientSecret);

    const response = await oauth.clientCredentialsGrantRequest(
      as,
      client,
      clientAuth,
      new URLSearchParams({ scope: 'customers:read' }),
      insecure,
    );
    const tokens = await oauth.processClientCredentialsResponse(as, client, response);
    expect(tokens.token_type).toBe('bearer');
    expect(tokens.scope).toBe('customers:read');

    // The library's own RFC 9068 validation, as a resource server would do it.
    const request = new Request('http://rs.example/probe', {
      headers: { authorization: `Bearer ${tokens.access_token}` },
    });
    const claims = await oauth.validateJwtAccessToken(as, request, 'digital-banking-api', insecure);
    expect(claims).toMatchObject({
      client_id: app.clientId,
      scope: 'customers:read',
      iss: auth.url,
    });

    const introspection = await oauth.processIntrospectionResponse(
      as,
      client,
      await oauth.introspectionRequest(as, client, clientAuth, tokens.access_token, insecure),
    );
    expect(introspection).toMatchObject({
      active: true,
      client_id: app.clientId,
      scope: 'customers:read',
    });

    await oauth.processRevocationResponse(
      await oauth.revocationRequest(as, client, clientAuth, tokens.access_token, insecure),
    );
    const after = await oauth.processIntrospectionResponse(
      as,
      client,
      await oauth.introspectionRequest(as, client, clientAuth, tokens.access_token, insecure),
    );
    expect(after.active).toBe(false);
  });

  it('oauth4webapi surfaces the RFC 6749 error of a bad scope', async () => {
    const issuer = new URL(auth.url);
    const as = await oauth.processDiscoveryResponse(
      issuer,
      await oauth.discoveryRequest(issuer, { algorithm: 'oauth2', ...insecure }),
    );
    const client: oauth.Client = { client_id: app.clientId };
    const response = await oauth.clientCredentialsGrantRequest(
      as,
      client,
      oauth.ClientSecretPost(app.clientSecret),
      new URLSearchParams({ scope: 'clients:admin' }),
      insecure,
    );
    await expect(
      oauth.processClientCredentialsResponse(as, client, response),
    ).rejects.toMatchObject({ error: 'invalid_scope' });
  });
});

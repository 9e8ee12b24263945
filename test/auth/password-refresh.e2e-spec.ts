import { decodeJwt } from 'jose';
import { freePort } from '../../scripts/embedded-postgres';
import { startCredentialStub } from '../support/credential-stub';
import { createTestDatabase, type TestDatabase } from '../support/database';
import {
  createClient,
  postForm,
  startAuthServer,
  type Credentials,
  type RunningApp,
} from '../support/platform';

describe('auth-server: password grant and refresh-token rotation', () => {
  let db: TestDatabase;
  let auth: RunningApp;
  let stub: Awaited<ReturnType<typeof startCredentialStub>>;
  let mobile: Credentials;
  let serverApp: Credentials;
  let tokenUrl: string;
  const stubPort = { value: 0 };

  beforeAll(async () => {
    db = await createTestDatabase('auth_pw');
    stubPort.value = await freePort();
    auth = await startAuthServer(db, {
      CUSTOMER_SERVICE_URL: `http://127.0.0.1:${stubPort.value}`,
    });
    stub = await startCredentialStub(stubPort.value, () => auth.url);
    tokenUrl = `${auth.url}/oauth2/v1/token`;
    mobile = await createClient(auth.url, {
      institutionId: 'fi-one',
      scopes: ['profile:read', 'profile:write'],
      grantTypes: ['password', 'refresh_token'],
    });
    serverApp = await createClient(auth.url, { institutionId: 'fi-one', scopes: ['profile:read'] });
  });
  afterAll(async () => {
    await stub?.close();
    await auth?.close();
    await db?.drop();
  });

  const login = (
    password = 'correct horse battery staple',
    username = 'jdoe2026',
    extra: Record<string, string> = {},
  ) =>
    postForm(tokenUrl, { grant_type: 'password', username, password, ...extra }, { basic: mobile });
  const refresh = (refreshToken: string, extra: Record<string, string> = {}, as = mobile) =>
    postForm(
      tokenUrl,
      { grant_type: 'refresh_token', refresh_token: refreshToken, ...extra },
      { basic: as },
    );
  const introspect = (token: string) =>
    postForm(`${auth.url}/oauth2/v1/introspect`, { token }, { basic: mobile });

  it('issues a customer access token and a refresh token', async () => {
    const res = await login();
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({
      token_type: 'Bearer',
      scope: 'profile:read profile:write',
      refresh_token: expect.any(String),
      refresh_token_expires_in: 30 * 86_400,
    });
    expect(decodeJwt(res.body.access_token as string)).toMatchObject({
      sub: '7f9c1c1e-8d5e-4a43-9a57-1f1f1f1f1f1f',
      client_id: mobile.clientId,
      institution_id: 'fi-one',
      login_id: 'jdoe2026',
      user_type: 'RETAIL',
    });
    // customer-service was asked within the client's FI, with the caller's address.
    expect(stub.calls.at(-1)).toMatchObject({
      institutionId: 'fi-one',
      clientId: mobile.clientId,
      ipAddress: expect.any(String),
    });
  });

  it('answers a wrong password, an unknown user and a locked user with invalid_grant', async () => {
    for (const res of [
      await login('wrong password here'),
      await login('whatever', 'nobody'),
      await login('x', 'locked-user'),
    ]) {
      expect(res.status).toBe(400);
      expect(res.body.error).toBe('invalid_grant');
    }
  });

  it('requires username and password, and the password grant on the client', async () => {
    const missing = await postForm(
      tokenUrl,
      { grant_type: 'password', username: 'jdoe2026' },
      { basic: mobile },
    );
    expect(missing.body.error).toBe('invalid_request');
    const notAllowed = await postForm(
      tokenUrl,
      { grant_type: 'password', username: 'jdoe2026', password: 'x' },
      { basic: serverApp },
    );
    expect(notAllowed.body.error).toBe('unauthorized_client');
  });

  it('rotates refresh tokens; reusing a rotated one revokes the whole chain', async () => {
    const first = await login();
    const second = await refresh(first.body.refresh_token as string);
    expect(second.status).toBe(200);
    expect(second.body.refresh_token).not.toBe(first.body.refresh_token);
    expect(decodeJwt(second.body.access_token as string).login_id).toBe('jdoe2026');

    const reuse = await refresh(first.body.refresh_token as string);
    expect(reuse.status).toBe(400);
    expect(reuse.body.error).toBe('invalid_grant');

    // The successor and the access tokens of the chain are dead too.
    const successor = await refresh(second.body.refresh_token as string);
    expect(successor.body.error).toBe('invalid_grant');
    expect((await introspect(second.body.access_token as string)).body).toEqual({ active: false });
    expect((await introspect(first.body.access_token as string)).body).toEqual({ active: false });
  });

  it('lets a refresh narrow the scope but never widen it', async () => {
    const first = await login(undefined, undefined, { scope: 'profile:read' });
    const wider = await refresh(first.body.refresh_token as string, {
      scope: 'profile:read profile:write',
    });
    expect(wider.body.error).toBe('invalid_scope');
    const again = await login();
    const narrower = await refresh(again.body.refresh_token as string, { scope: 'profile:read' });
    expect(narrower.status).toBe(200);
    expect(narrower.body.scope).toBe('profile:read');
  });

  it("refuses another client's refresh token and garbage", async () => {
    const first = await login();
    const other = await createClient(auth.url, {
      institutionId: 'fi-one',
      scopes: ['profile:read'],
      grantTypes: ['password', 'refresh_token'],
    });
    expect((await refresh(first.body.refresh_token as string, {}, other)).body.error).toBe(
      'invalid_grant',
    );
    expect((await refresh('garbage')).body.error).toBe('invalid_grant');
  });

  it('introspects and revokes refresh tokens', async () => {
    const first = await login();
    const rt = first.body.refresh_token as string;
    expect((await introspect(rt)).body).toMatchObject({
      active: true,
      token_type: 'refresh_token',
      sub: '7f9c1c1e-8d5e-4a43-9a57-1f1f1f1f1f1f',
    });
    expect(
      (
        await postForm(
          `${auth.url}/oauth2/v1/revoke`,
          { token: rt, token_type_hint: 'refresh_token' },
          { basic: mobile },
        )
      ).status,
    ).toBe(200);
    expect((await introspect(rt)).body).toEqual({ active: false });
    expect((await refresh(rt)).body.error).toBe('invalid_grant');
    expect((await introspect(first.body.access_token as string)).body).toEqual({ active: false });
  });

  it('answers 503 temporarily_unavailable when customer-service cannot be reached', async () => {
    await stub.close();
    const res = await login();
    expect(res.status).toBe(503);
    expect(res.body.error).toBe('temporarily_unavailable');
    stub = await startCredentialStub(stubPort.value, () => auth.url);
  });
});

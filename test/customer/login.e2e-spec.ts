import { hash } from '@node-rs/argon2';
import { decodeJwt } from 'jose';
import { ADMIN, clientToken, postForm } from '../support/platform';
import {
  api,
  appToken,
  forgedToken,
  passwordGrant,
  registrationBody,
  startCustomerPlatform,
  type CustomerPlatform,
} from '../support/customer-platform';

type Body = Record<string, unknown>;

describe('customer-service: the password grant, lockout and unlock', () => {
  let p: CustomerPlatform;
  let token: string;

  beforeAll(async () => {
    p = await startCustomerPlatform('cus_login', { REGISTRATION_LIMIT_PER_ADDRESS: '100000' });
    token = await appToken(p, p.app);
  });
  afterAll(async () => p?.close());

  const registerCustomer = async (overrides: Body = {}) => {
    const body = registrationBody(overrides);
    const res = await api(p, 'POST', '/customers/v2/registrations', { token, body });
    expect(res.status).toBe(201);
    return {
      id: res.body.customerId as string,
      loginId: body.loginId as string,
      password: body.password as string,
    };
  };
  const profile = async (id: string) =>
    (await api(p, 'GET', `/customers/v2/customers/${id}`, { token })).body;
  const events = async (customerId: string) =>
    (
      await p.sql<{ event_id: string; payload: Body }>(
        `SELECT event_id, payload FROM outbox_events WHERE payload->>'customerId' = $1 ORDER BY created_at, event_id`,
        [customerId],
      )
    ).map((e) => ({ eventId: e.event_id, attributes: e.payload.attributes }));

  it('logs a customer in through the real auth-server and turns registered into active', async () => {
    const c = await registerCustomer();
    const res = await passwordGrant(p, c.loginId, c.password);
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ token_type: 'Bearer', refresh_token: expect.any(String) });
    expect(decodeJwt(res.body.access_token as string)).toMatchObject({
      sub: c.id,
      institution_id: 'fi-one',
      login_id: c.loginId,
      user_type: 'RETAIL',
      client_id: p.mobile.clientId,
    });
    expect(await profile(c.id)).toMatchObject({ userStatus: 'active', failedLoginCount: 0 });
    expect(await events(c.id)).toContainEqual({
      eventId: 'loginSuccess',
      attributes: { clientId: p.mobile.clientId },
    });
  });

  it('finds the loginId whatever its case, and answers with the registered spelling', async () => {
    const c = await registerCustomer();
    const res = await passwordGrant(p, c.loginId.toUpperCase(), c.password);
    expect(res.status).toBe(200);
    expect(decodeJwt(res.body.access_token as string).login_id).toBe(c.loginId);
  });

  it('compares passwords after NFKC normalisation (NIST SP 800-63B-4)', async () => {
    // "ﬁ" is one ligature code point; NFKC makes it "fi".
    const c = await registerCustomer({ password: 'ﬁnancial freedom at last' });
    expect((await passwordGrant(p, c.loginId, 'financial freedom at last')).status).toBe(200);
  });

  it('answers a wrong password and an unknown loginId the same way: invalid_grant', async () => {
    const c = await registerCustomer();
    const wrong = await passwordGrant(p, c.loginId, 'not the password at all');
    const unknown = await passwordGrant(p, 'nobody-here', 'not the password at all');
    for (const res of [wrong, unknown]) {
      expect(res.status).toBe(400);
      expect(res.body).toEqual({
        error: 'invalid_grant',
        error_description: 'The username or password is incorrect.',
      });
    }
  });

  it("refuses a customer of another FI (the client's FI decides)", async () => {
    const c = await registerCustomer();
    const res = await passwordGrant(p, c.loginId, c.password, p.otherFi);
    expect(res.status).toBe(400);
    expect(res.body.error).toBe('invalid_grant');
  });

  it('locks after five consecutive failures, then unlocks through the app', async () => {
    const c = await registerCustomer();
    // A success in between resets the count: failures must be consecutive.
    for (let i = 0; i < 4; i++) await passwordGrant(p, c.loginId, `wrong password ${i}!!`);
    expect(await profile(c.id)).toMatchObject({ failedLoginCount: 4, userStatus: 'registered' });
    expect((await passwordGrant(p, c.loginId, c.password)).status).toBe(200);
    expect(await profile(c.id)).toMatchObject({ failedLoginCount: 0, userStatus: 'active' });

    for (let i = 1; i <= 5; i++) {
      const res = await passwordGrant(p, c.loginId, `wrong password ${i}!!`);
      expect(res.body.error).toBe('invalid_grant');
    }
    expect(await profile(c.id)).toMatchObject({ failedLoginCount: 5, userStatus: 'locked' });

    // Locked: even the right password is refused, in words that do not tell the account exists.
    const locked = await passwordGrant(p, c.loginId, c.password);
    expect(locked.status).toBe(400);
    expect(locked.body).toEqual({
      error: 'invalid_grant',
      error_description: 'The username or password is incorrect.',
    });

    const unlock = await api(p, 'POST', `/customers/v2/customers/${c.id}/unlock`, { token });
    expect(unlock.status).toBe(200);
    expect(unlock.body).toMatchObject({ userStatus: 'active', failedLoginCount: 0 });
    expect(unlock.headers.get('etag')).toBeTruthy();
    expect((await passwordGrant(p, c.loginId, c.password)).status).toBe(200);

    const trail = (await events(c.id)).map((e) => e.eventId);
    expect(trail.filter((e) => e === 'loginFailure')).toHaveLength(4 + 5 + 1);
    expect(trail.filter((e) => e === 'userLocked')).toHaveLength(1);
    expect(trail.filter((e) => e === 'userUnlocked')).toHaveLength(1);
    expect(await events(c.id)).toEqual(
      expect.arrayContaining([
        {
          eventId: 'loginFailure',
          attributes: {
            clientId: p.mobile.clientId,
            failedLoginCount: 5,
            reason: 'invalidPassword',
          },
        },
        { eventId: 'userLocked', attributes: { failedLoginCount: 5 } },
        {
          eventId: 'loginFailure',
          attributes: { clientId: p.mobile.clientId, failedLoginCount: 5, reason: 'locked' },
        },
        { eventId: 'userUnlocked', attributes: { unlockedBy: p.app.clientId } },
      ]),
    );
    const audit = await p.sql<{ action: string; actor_id: string }>(
      `SELECT action, actor_id FROM audit_events WHERE customer_id = $1 AND action IN ('locked', 'unlocked') ORDER BY occurred_at`,
      [c.id],
    );
    expect(audit).toEqual([
      { action: 'locked', actor_id: c.id },
      { action: 'unlocked', actor_id: p.app.clientId },
    ]);
  });

  it('counts concurrent failures without losing any', async () => {
    const c = await registerCustomer();
    await Promise.all([1, 2, 3].map((i) => passwordGrant(p, c.loginId, `concurrent wrong ${i}!`)));
    expect(await profile(c.id)).toMatchObject({ failedLoginCount: 3 });
  });

  it('unlocking a customer who is not locked changes nothing', async () => {
    const c = await registerCustomer();
    const before = await api(p, 'GET', `/customers/v2/customers/${c.id}`, { token });
    const res = await api(p, 'POST', `/customers/v2/customers/${c.id}/unlock`, { token });
    expect(res.status).toBe(200);
    expect(res.headers.get('etag')).toBe(before.headers.get('etag'));
    expect((await events(c.id)).map((e) => e.eventId)).not.toContain('userUnlocked');
  });

  it("unlock needs customers:write and the customer's FI", async () => {
    const c = await registerCustomer();
    const readOnly = await appToken(p, p.app, ['customers:read']);
    expect(
      (await api(p, 'POST', `/customers/v2/customers/${c.id}/unlock`, { token: readOnly })).status,
    ).toBe(403);
    const other = await appToken(p, p.otherFi);
    const res = await api(p, 'POST', `/customers/v2/customers/${c.id}/unlock`, { token: other });
    expect(res.status).toBe(404);
  });

  it('rotates refresh tokens; reusing a rotated one revokes the whole chain', async () => {
    const c = await registerCustomer();
    const tokenUrl = `${p.auth.url}/oauth2/v1/token`;
    const refresh = (rt: string) =>
      postForm(tokenUrl, { grant_type: 'refresh_token', refresh_token: rt }, { basic: p.mobile });
    const first = await passwordGrant(p, c.loginId, c.password);
    const second = await refresh(first.body.refresh_token as string);
    expect(second.status).toBe(200);
    expect(second.body.refresh_token).not.toBe(first.body.refresh_token);
    const me = await api(p, 'GET', '/customers/v2/customers/me', {
      token: second.body.access_token as string,
    });
    expect(me.status).toBe(200);
    expect(me.body.customerId).toBe(c.id);

    const reuse = await refresh(first.body.refresh_token as string);
    expect(reuse.body.error).toBe('invalid_grant');
    expect((await refresh(second.body.refresh_token as string)).body.error).toBe('invalid_grant');
  });

  it('upgrades a hash made with older argon2 parameters at the next successful login', async () => {
    const c = await registerCustomer();
    const weak = await hash(c.password, { memoryCost: 7168, timeCost: 3, parallelism: 1 });
    await p.sql('UPDATE credentials SET password_hash = $2 WHERE customer_id = $1', [c.id, weak]);
    expect((await passwordGrant(p, c.loginId, c.password)).status).toBe(200);
    const [row] = await p.sql<{ password_hash: string }>(
      'SELECT password_hash FROM credentials WHERE customer_id = $1',
      [c.id],
    );
    expect(row!.password_hash).not.toBe(weak);
    expect(row!.password_hash).toMatch(/^\$argon2id\$v=19\$m=7168,t=1,p=1\$/);
    expect((await passwordGrant(p, c.loginId, c.password)).status).toBe(200);
  });

  describe('the internal credential check', () => {
    const verify = (bearer?: string, body: Body = {}) =>
      api(p, 'POST', '/internal/v1/credentials/verify', {
        token: bearer,
        body: {
          institutionId: 'fi-one',
          loginId: 'someone',
          password: 'whatever it is',
          clientId: 'x',
          ipAddress: '127.0.0.1',
          ...body,
        },
      });

    it("refuses callers without a token, an FI's tokens, and the wrong scope", async () => {
      expect((await verify()).status).toBe(401);
      // An FI's app with every FI scope is still not the platform.
      expect((await verify(token)).status).toBe(403);
      // Even with the internal scope (the auth-server never gives it to an FI), an FI is refused.
      const fi = await verify(
        await forgedToken(p, {
          sub: p.app.clientId,
          client_id: p.app.clientId,
          institution_id: 'fi-one',
          scope: 'internal:credentials:verify',
        }),
      );
      expect(fi.status).toBe(403);
      expect(fi.body.code).toBe('CUS_INTERNAL_TOKEN_REQUIRED');
      // The platform admin client is the platform, but lacks internal:credentials:verify.
      const admin = await clientToken(p.auth.url, ADMIN, 'clients:admin');
      expect((await verify(admin)).status).toBe(403);
    });

    it('answers odd input with an ordinary "invalid", never an error the grant would turn into 503', async () => {
      const internal = await forgedToken(p, {
        sub: 'auth-server',
        client_id: 'auth-server',
        institution_id: 'platform',
        scope: 'internal:credentials:verify',
      });
      for (const body of [
        { loginId: 'x'.repeat(500) },
        { loginId: 'ünïcödé user' },
        { password: 'p'.repeat(10_000) },
        { institutionId: 'no-such-fi' },
      ]) {
        const res = await verify(internal, body);
        expect(res.status).toBe(200);
        expect(res.body).toEqual({ result: 'invalid' });
      }
    });

    it('is not published in the OpenAPI document', async () => {
      const doc = (await (await fetch(`${p.customers.url}/docs-json`)).json()) as {
        paths: Record<string, unknown>;
      };
      expect(Object.keys(doc.paths)).not.toContain('/internal/v1/credentials/verify');
      expect(Object.keys(doc.paths)).toContain('/customers/v2/registrations');
    });
  });
});

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
const MERGE_PATCH = 'application/merge-patch+json';

describe('customer-service: the profile', () => {
  let p: CustomerPlatform;
  let token: string;

  beforeAll(async () => {
    p = await startCustomerPlatform('cus_profile', { REGISTRATION_LIMIT_PER_ADDRESS: '100000' });
    token = await appToken(p, p.app);
  });
  afterAll(async () => p?.close());

  /** A registered customer and their password-grant token. */
  const signedIn = async () => {
    const body = registrationBody();
    const reg = await api(p, 'POST', '/customers/v2/registrations', { token, body });
    const login = await passwordGrant(p, body.loginId as string, body.password as string);
    expect(login.status).toBe(200);
    return { id: reg.body.customerId as string, token: login.body.access_token as string };
  };

  const patch = (
    path: string,
    bearer: string,
    body: unknown,
    headers: Record<string, string> = {},
  ) => api(p, 'PATCH', path, { token: bearer, body, contentType: MERGE_PATCH, headers });

  describe('me (password-grant token)', () => {
    it('reads the signed-in customer with an ETag and no caching', async () => {
      const c = await signedIn();
      const res = await api(p, 'GET', '/customers/v2/customers/me', { token: c.token });
      expect(res.status).toBe(200);
      expect(res.body).toMatchObject({ customerId: c.id, userStatus: 'active', ssnLast4: '6780' });
      expect(res.body).not.toHaveProperty('ssn');
      expect(res.headers.get('etag')).toMatch(/^"[^"]+"$/);
      expect(res.headers.get('cache-control')).toBe('no-store');
      const etag = res.headers.get('etag')!;
      const notModified = await fetch(`${p.customers.url}/customers/v2/customers/me`, {
        headers: { authorization: `Bearer ${c.token}`, 'if-none-match': etag },
      });
      expect(notModified.status).toBe(304);
      expect(await notModified.text()).toBe('');
    });

    it('changes contact fields with a merge patch, normalised, audited and announced', async () => {
      const c = await signedIn();
      const before = await api(p, 'GET', '/customers/v2/customers/me', { token: c.token });
      const res = await patch(
        '/customers/v2/customers/me',
        c.token,
        {
          emailAddress: 'new.address@example.org',
          phoneNumber: '202.555.0199',
          postalAddress: { address1: '200 Elm Street', address2: null },
        },
        { 'If-Match': before.headers.get('etag')! },
      );
      expect(res.status).toBe(200);
      expect(res.body).toMatchObject({
        emailAddress: 'new.address@example.org',
        phoneNumber: '+12025550199',
        postalAddress: {
          address1: '200 Elm Street',
          city: 'Springfield',
          state: 'IL',
          postalCode: '62701',
          country: 'US',
        },
      });
      expect(res.body.postalAddress).not.toHaveProperty('address2');
      expect(res.headers.get('etag')).not.toBe(before.headers.get('etag'));

      const [audit] = await p.sql<{
        action: string;
        actor_type: string;
        actor_id: string;
        client_id: string;
        transaction_id: string;
        changes: { field: string; old: unknown; new: unknown }[];
      }>(
        `SELECT action, actor_type, actor_id, client_id, transaction_id, changes
           FROM audit_events WHERE customer_id = $1 AND action = 'profileUpdated'`,
        [c.id],
      );
      expect(audit).toMatchObject({
        action: 'profileUpdated',
        actor_type: 'customer',
        actor_id: c.id,
        client_id: p.mobile.clientId,
        transaction_id: res.headers.get('transactionid'),
      });
      expect(audit!.changes).toEqual([
        { field: 'emailAddress', old: 'j***@example.com', new: 'n***@example.org' },
        { field: 'phoneNumber', old: '***0143', new: '***0199' },
        {
          field: 'postalAddress',
          old: {
            address1: '1***',
            address2: 'A***',
            city: 'Springfield',
            state: 'IL',
            postalCode: '627**',
            country: 'US',
          },
          new: {
            address1: '2***',
            city: 'Springfield',
            state: 'IL',
            postalCode: '627**',
            country: 'US',
          },
        },
      ]);

      const [event] = await p.sql<{ payload: Body }>(
        `SELECT payload FROM outbox_events WHERE payload->>'customerId' = $1 AND event_id = 'profileChange'`,
        [c.id],
      );
      expect(event!.payload).toMatchObject({
        eventId: 'profileChange',
        attributes: { changedFields: ['emailAddress', 'phoneNumber', 'postalAddress'] },
      });
    });

    it('answers 412 CUS_PRECONDITION_FAILED when If-Match is not the current ETag', async () => {
      const c = await signedIn();
      const read = await api(p, 'GET', '/customers/v2/customers/me', { token: c.token });
      const etag = read.headers.get('etag')!;
      expect(
        (
          await patch(
            '/customers/v2/customers/me',
            c.token,
            { emailAddress: 'a@example.com' },
            { 'If-Match': etag },
          )
        ).status,
      ).toBe(200);
      // The same (now stale) ETag again: someone changed the profile since it was read.
      const stale = await patch(
        '/customers/v2/customers/me',
        c.token,
        { emailAddress: 'b@example.com' },
        { 'If-Match': etag },
      );
      expect(stale.status).toBe(412);
      expect(stale.body.code).toBe('CUS_PRECONDITION_FAILED');
      // A weak tag never satisfies If-Match; `*` does.
      expect(
        (
          await patch(
            '/customers/v2/customers/me',
            c.token,
            { emailAddress: 'b@example.com' },
            { 'If-Match': `W/${etag}` },
          )
        ).status,
      ).toBe(412);
      expect(
        (
          await patch(
            '/customers/v2/customers/me',
            c.token,
            { emailAddress: 'b@example.com' },
            { 'If-Match': '*' },
          )
        ).status,
      ).toBe(200);
    });

    it('refuses immutable and unknown fields with 400 CUS_IMMUTABLE_FIELD', async () => {
      const c = await signedIn();
      const res = await patch('/customers/v2/customers/me', c.token, {
        firstName: 'Janet',
        ssn: '123-45-6789',
        loginId: 'newlogin',
        favouriteColour: 'green',
        emailAddress: 'ok@example.com',
      });
      expect(res.status).toBe(400);
      expect(res.body).toMatchObject({
        code: 'CUS_IMMUTABLE_FIELD',
        errors: [
          { pointer: '/firstName', detail: 'cannot be changed' },
          { pointer: '/ssn', detail: 'cannot be changed' },
          { pointer: '/loginId', detail: 'cannot be changed' },
          { pointer: '/favouriteColour', detail: 'is not a field of the profile' },
        ],
      });
      // Nothing was applied.
      const read = await api(p, 'GET', '/customers/v2/customers/me', { token: c.token });
      expect(read.body.emailAddress).toBe('jane.doe@example.com');
    });

    it.each([
      ['removing a required field', { emailAddress: null }, '/emailAddress'],
      ['an invalid e-mail', { emailAddress: 'nope' }, '/emailAddress'],
      ['an invalid phone number', { phoneNumber: '555' }, '/phoneNumber'],
      ['an address that is not an object', { postalAddress: 'Main Street' }, '/postalAddress'],
      ['an invalid ZIP', { postalAddress: { postalCode: '6270' } }, '/postalAddress/postalCode'],
      ['removing the city', { postalAddress: { city: null } }, '/postalAddress/city'],
      ['an unknown address field', { postalAddress: { county: 'x' } }, '/postalAddress/county'],
    ])('refuses %s with a field error', async (_why, body, pointer) => {
      const c = await signedIn();
      const res = await patch('/customers/v2/customers/me', c.token, body);
      expect(res.status).toBe(400);
      expect(res.body.code).toBe('VALIDATION_FAILED');
      expect((res.body.errors as { pointer: string }[]).map((e) => e.pointer)).toContain(pointer);
    });

    it('refuses a body that is not a JSON object', async () => {
      const c = await signedIn();
      const res = await patch('/customers/v2/customers/me', c.token, ['emailAddress']);
      expect(res.status).toBe(400);
    });

    it('needs application/merge-patch+json: 415 otherwise', async () => {
      const c = await signedIn();
      const res = await api(p, 'PATCH', '/customers/v2/customers/me', {
        token: c.token,
        body: { emailAddress: 'x@example.com' },
      });
      expect(res.status).toBe(415);
      expect(res.body.code).toBe('CUS_UNSUPPORTED_MEDIA_TYPE');
      expect(res.headers.get('accept-patch')).toBe(MERGE_PATCH);
    });

    it('a patch that changes nothing keeps the ETag and records nothing', async () => {
      const c = await signedIn();
      const read = await api(p, 'GET', '/customers/v2/customers/me', { token: c.token });
      const res = await patch('/customers/v2/customers/me', c.token, {
        emailAddress: 'jane.doe@example.com',
        phoneNumber: '+12025550143',
      });
      expect(res.status).toBe(200);
      expect(res.headers.get('etag')).toBe(read.headers.get('etag'));
      const audit = await p.sql(
        `SELECT 1 FROM audit_events WHERE customer_id = $1 AND action = 'profileUpdated'`,
        [c.id],
      );
      expect(audit).toHaveLength(0);
    });

    it('needs profile:read / profile:write on the token', async () => {
      const body = registrationBody();
      await api(p, 'POST', '/customers/v2/registrations', { token, body });
      const readOnly = await passwordGrant(
        p,
        body.loginId as string,
        body.password as string,
        p.mobile,
        {
          scope: 'profile:read',
        },
      );
      const bearer = readOnly.body.access_token as string;
      expect((await api(p, 'GET', '/customers/v2/customers/me', { token: bearer })).status).toBe(
        200,
      );
      const res = await patch('/customers/v2/customers/me', bearer, {
        emailAddress: 'x@example.com',
      });
      expect(res.status).toBe(403);
    });

    it("is only for a customer's token: an app token gets 403", async () => {
      const res = await api(p, 'GET', '/customers/v2/customers/me', { token });
      expect(res.status).toBe(403);
      expect(res.body.code).toBe('CUS_CUSTOMER_TOKEN_REQUIRED');
    });
  });

  describe("by id (the FI's app)", () => {
    it('reads and changes a customer, audited as the client', async () => {
      const c = await signedIn();
      const read = await api(p, 'GET', `/customers/v2/customers/${c.id}`, { token });
      expect(read.status).toBe(200);
      const res = await patch(
        `/customers/v2/customers/${c.id}`,
        token,
        { postalAddress: { city: 'Chicago', postalCode: '60601' } },
        { 'If-Match': read.headers.get('etag')! },
      );
      expect(res.status).toBe(200);
      expect(res.body.postalAddress).toMatchObject({ city: 'Chicago', postalCode: '60601' });
      const [audit] = await p.sql<{ actor_type: string; actor_id: string }>(
        `SELECT actor_type, actor_id FROM audit_events WHERE customer_id = $1 AND action = 'profileUpdated'`,
        [c.id],
      );
      expect(audit).toEqual({ actor_type: 'client', actor_id: p.app.clientId });
    });

    it("keeps other FIs out: 404 for reading and changing another FI's customer", async () => {
      const c = await signedIn();
      const other = await appToken(p, p.otherFi);
      expect(
        (await api(p, 'GET', `/customers/v2/customers/${c.id}`, { token: other })).status,
      ).toBe(404);
      const res = await patch(`/customers/v2/customers/${c.id}`, other, {
        emailAddress: 'x@example.com',
      });
      expect(res.status).toBe(404);
      expect(res.body.code).toBe('CUS_CUSTOMER_NOT_FOUND');
    });

    it("does not let a customer's token reach customers by id, even its own", async () => {
      const c = await signedIn();
      const body = registrationBody();
      const reg = await api(p, 'POST', '/customers/v2/registrations', { token, body });
      const ownId = reg.body.customerId as string;
      const login = await passwordGrant(p, body.loginId as string, body.password as string, p.app);
      // The auth-server never puts customers:read on a customer's token; a forged one shows that
      // the route refuses the kind of token, not only the missing scope.
      const forged = await forgedToken(p, {
        sub: ownId,
        client_id: p.app.clientId,
        institution_id: 'fi-one',
        scope: 'customers:read',
        login_id: body.loginId,
      });
      for (const path of [`/customers/v2/customers/${c.id}`, `/customers/v2/customers/${ownId}`]) {
        const real = await api(p, 'GET', path, { token: login.body.access_token as string });
        expect(real.status).toBe(403);
        const res = await api(p, 'GET', path, { token: forged });
        expect(res.status).toBe(403);
        expect(res.body.code).toBe('CUS_APP_TOKEN_REQUIRED');
      }
    });

    it('needs customers:read to read and customers:write to change', async () => {
      const c = await signedIn();
      const writeOnly = await appToken(p, p.app, ['customers:write']);
      expect(
        (await api(p, 'GET', `/customers/v2/customers/${c.id}`, { token: writeOnly })).status,
      ).toBe(403);
      const readOnly = await appToken(p, p.app, ['customers:read']);
      expect(
        (
          await patch(`/customers/v2/customers/${c.id}`, readOnly, {
            emailAddress: 'x@example.com',
          })
        ).status,
      ).toBe(403);
    });
  });
});

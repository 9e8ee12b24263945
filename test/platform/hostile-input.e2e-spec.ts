import { ADMIN, clientToken, postForm } from '../support/platform';
import {
  api,
  appToken,
  passwordGrant,
  registrationBody,
  startCustomerPlatform,
  type ApiResponse,
  type CustomerPlatform,
} from '../support/customer-platform';

/*
 * Hostile text on the auth-server and the customer-service: NUL bytes and lone UTF-16
 * surrogates (PostgreSQL stores neither), in every place a client can put a string, answer 400
 * in the endpoint's error shape and change nothing; deeply nested JSON is refused at parsing.
 */

const MERGE_PATCH = 'application/merge-patch+json';
/** The UTF-8 bytes of a lone high surrogate, as a client can put them on the wire. */
const ENCODED_SURROGATE = '%ED%A0%80';
/** How those same bytes read in a header (Node reads header bytes as Latin-1). */
const SURROGATE_BYTES_IN_HEADER = '\u00ed\u00a0\u0080';

type Body = Record<string, unknown>;

const expectProblem = (res: ApiResponse<Body>, pointer?: string) => {
  expect(res.status).toBe(400);
  expect(res.headers.get('content-type')).toMatch(/^application\/problem\+json/);
  const errors = res.body.errors as { pointer: string; detail: string }[];
  expect(errors.length).toBeGreaterThan(0);
  if (pointer !== undefined) expect(errors.map((e) => e.pointer)).toContain(pointer);
};

const expectInvalidRequest = (res: { status: number; body: Body }) => {
  expect(res.status).toBe(400);
  expect(res.body.error).toBe('invalid_request');
};

/** `depth` nested arrays, as text (JSON.stringify itself would recurse that deep). */
const nestedArrays = (depth: number): string => '['.repeat(depth) + ']'.repeat(depth);

describe('hostile input: auth-server and customer-service', () => {
  let p: CustomerPlatform;
  let token: string;
  let adminToken: string;

  beforeAll(async () => {
    p = await startCustomerPlatform('hostile_input', { REGISTRATION_LIMIT_PER_ADDRESS: '100000' });
    token = await appToken(p, p.app);
    adminToken = await clientToken(p.auth.url, ADMIN, 'clients:admin');
  });
  afterAll(async () => p?.close());

  const oauth = (path: string) => `${p.auth.url}/oauth2/v1/${path}`;
  const count = async (table: string) =>
    Number((await p.sql<{ n: string }>(`SELECT count(*) AS n FROM ${table}`))[0]!.n);

  /** A form body sent as is (URLSearchParams would re-encode the percent signs). */
  const rawForm = async (path: string, body: string, basic = true, method = 'POST') => {
    const { clientId, clientSecret } = p.app;
    const res = await fetch(oauth(path), {
      method,
      headers: {
        'content-type': 'application/x-www-form-urlencoded',
        ...(basic
          ? {
              authorization: `Basic ${Buffer.from(`${clientId}:${clientSecret}`).toString('base64')}`,
            }
          : {}),
      },
      body,
    });
    return { status: res.status, body: (await res.json()) as Body };
  };

  describe('OAuth endpoints answer invalid_request', () => {
    it('refuses a NUL or an encoded lone surrogate in a token request', async () => {
      expectInvalidRequest(
        await postForm(oauth('token'), {
          grant_type: 'client_credentials',
          client_id: 'a\u0000b',
          client_secret: 'x',
        }),
      );
      expectInvalidRequest(
        // A form value cannot carry one (fast-querystring keeps an undecodable escape as its
        // literal, harmless text), the URL can.
        await rawForm(`token?client_id=${ENCODED_SURROGATE}`, 'grant_type=client_credentials'),
      );
      expectInvalidRequest(
        await rawForm('token', 'grant_type=client_credentials&scope=customers:read%00'),
      );
    });

    it('refuses a password grant with a NUL username (was 503) and counts no failed login', async () => {
      const failures = await count('customer.customers WHERE failed_login_count > 0');
      expectInvalidRequest(await passwordGrant(p, 'ab\u0000cd', 'violet tractor sings at dawn'));
      expectInvalidRequest(
        await rawForm('token', 'grant_type=password&username=%00jdoe2026&password=x'),
      );
      expect(await count('customer.customers WHERE failed_login_count > 0')).toBe(failures);
    });

    it('refuses them on introspection and on both revocation routes', async () => {
      expectInvalidRequest(await rawForm('introspect', 'token=abc%00def'));
      expectInvalidRequest(await rawForm(`introspect?t=${ENCODED_SURROGATE}`, 'token=x'));
      expectInvalidRequest(await rawForm('revoke', 'token=abc%00def'));
      expectInvalidRequest(await rawForm('revoke', 'token=x&token_type_hint=%00'));
      const { clientId, clientSecret } = p.app;
      for (const token of ['abc%00def', ENCODED_SURROGATE]) {
        const res = await fetch(`${oauth('revoke')}?token=${token}`, {
          method: 'DELETE',
          headers: {
            authorization: `Basic ${Buffer.from(`${clientId}:${clientSecret}`).toString('base64')}`,
          },
        });
        expectInvalidRequest({ status: res.status, body: (await res.json()) as Body });
      }
    });
  });

  describe('admin client routes answer problem+json', () => {
    const admin = async (method: string, path: string, body?: string) => {
      const res = await fetch(`${p.auth.url}/admin/v1/clients${path}`, {
        method,
        headers: {
          authorization: `Bearer ${adminToken}`,
          ...(body !== undefined ? { 'content-type': 'application/json' } : {}),
        },
        body,
      });
      return { status: res.status, headers: res.headers, body: (await res.json()) as Body };
    };

    it('refuses a NUL or an encoded lone surrogate in a path parameter', async () => {
      expectProblem(await admin('GET', '/%00'), 'path/clientId');
      expectProblem(await admin('GET', `/${ENCODED_SURROGATE}`));
      expectProblem(await admin('POST', '/abc%00/secret', '{}'), 'path/clientId');
      expectProblem(await admin('POST', '/abc%00/disable'), 'path/clientId');
    });

    it('refuses them in the query and in a JSON body (escapes included), creating nothing', async () => {
      expectProblem(await admin('GET', '?after=%00'), 'query/after');
      expectProblem(await admin('GET', `?after=${ENCODED_SURROGATE}`));
      const before = await count('auth.clients');
      const create = (name: string) =>
        `{"institutionId":"fi-one","name":"${name}","scopes":["customers:read"],"grantTypes":["client_credentials"]}`;
      expectProblem(await admin('POST', '', create('a\\u0000b')), '/name');
      expectProblem(await admin('POST', '', create('a\\ud800b')), '/name');
      expectProblem(await admin('POST', '', create('a\\udc00b')), '/name');
      expect(await count('auth.clients')).toBe(before);
    });

    it('still accepts well-formed non-ASCII text (accents, CJK, an emoji pair)', async () => {
      const res = await admin(
        'POST',
        '',
        JSON.stringify({
          institutionId: 'fi-one',
          name: 'Crédit Zoë 銀行 🏦',
          scopes: ['customers:read'],
          grantTypes: ['client_credentials'],
        }),
      );
      expect(res.status).toBe(201);
      expect(res.body.name).toBe('Crédit Zoë 銀行 🏦');
    });
  });

  describe('customer-service answers problem+json', () => {
    it('refuses a NUL or an encoded lone surrogate in disclosure path parameters', async () => {
      expectProblem(
        await api(p, 'GET', '/customers/v2/disclosures/terms%00/versions/1', { token }),
        'path/disclosureId',
      );
      expectProblem(
        await api(p, 'GET', '/customers/v2/disclosures/terms/versions/1%00', { token }),
        'path/version',
      );
      expectProblem(
        await api(p, 'GET', `/customers/v2/disclosures/terms/versions/${ENCODED_SURROGATE}`, {
          token,
        }),
      );
      expectProblem(await api(p, 'GET', '/customers/v2/customers/%00', { token }));
    });

    it('refuses them in registration fields, JSON escapes included, and registers no one', async () => {
      const before = await count('customer.customers');
      const register = (body: unknown) =>
        api(p, 'POST', '/customers/v2/registrations', { token, body });
      expectProblem(
        await register(registrationBody({}, { firstName: 'Ja\u0000ne' })),
        '/person/firstName',
      );
      expectProblem(
        await register(
          registrationBody({}, { postalAddress: { ...addr(), address1: '1 Main\u0000St' } }),
        ),
        '/person/postalAddress/address1',
      );
      expectProblem(
        await register(registrationBody({ password: 'violet tractor\ud800 sings at dawn' })),
        '/password',
      );
      expectProblem(await register(registrationBody({ memberNumber: '\udc00' })), '/memberNumber');
      // The escape as the client wrote it, not as JSON.stringify writes it.
      const raw = JSON.stringify(registrationBody()).replace('"Jane"', '"Ja\\ud800ne"');
      expectProblem(
        await api(p, 'POST', '/customers/v2/registrations', { token, rawBody: raw }),
        '/person/firstName',
      );
      expect(await count('customer.customers')).toBe(before);
    });

    it('refuses non-ASCII bytes in the headers used as data', async () => {
      const before = await count('customer.customers');
      expectProblem(
        await api(p, 'POST', '/customers/v2/registrations', {
          token,
          body: registrationBody(),
          headers: { 'Idempotency-Key': `key-${SURROGATE_BYTES_IN_HEADER}` },
        }),
        'header/idempotency-key',
      );
      expectProblem(
        await api(p, 'POST', '/customers/v2/registrations', {
          token,
          body: registrationBody(),
          headers: { institutionId: `fi-one${SURROGATE_BYTES_IN_HEADER}` },
        }),
        'header/institutionid',
      );
      expect(await count('customer.customers')).toBe(before);
      const reg = await api(p, 'POST', '/customers/v2/registrations', {
        token,
        body: registrationBody(),
      });
      expect(reg.status).toBe(201);
      expectProblem(
        await api(p, 'PATCH', `/customers/v2/customers/${reg.body.customerId as string}`, {
          token,
          body: { emailAddress: 'x@example.com' },
          contentType: MERGE_PATCH,
          headers: { 'If-Match': `"${SURROGATE_BYTES_IN_HEADER}"` },
        }),
        'header/if-match',
      );
    });

    it('refuses them in a profile patch and changes nothing', async () => {
      const reg = await api(p, 'POST', '/customers/v2/registrations', {
        token,
        body: registrationBody(),
      });
      const path = `/customers/v2/customers/${reg.body.customerId as string}`;
      const patch = (rawBody: string) =>
        api(p, 'PATCH', path, { token, rawBody, contentType: MERGE_PATCH });
      expectProblem(await patch('{"emailAddress":"a\\u0000@example.com"}'), '/emailAddress');
      expectProblem(
        await patch('{"postalAddress":{"city":"Spring\\udbffield"}}'),
        '/postalAddress/city',
      );
      expectProblem(
        await patch('{"postalAddress":{"ci\\u0000ty":"x"}}'),
        '/postalAddress/ci\u0000ty',
      );
      const after = await api(p, 'GET', path, { token });
      expect(after.body).toMatchObject({ emailAddress: 'jane.doe@example.com' });
      expect(after.body.updatedAt).toBe(reg.body.updatedAt);
    });

    it('still registers a person with accents, CJK and an emoji pair', async () => {
      const res = await api(p, 'POST', '/customers/v2/registrations', {
        token,
        body: registrationBody(
          {},
          {
            firstName: 'Zoë',
            lastName: '李',
            postalAddress: { ...addr(), address1: '1 Rue de l’Église 🏠', city: 'Québec' },
          },
        ),
      });
      expect(res.status).toBe(201);
      expect(res.body).toMatchObject({
        firstName: 'Zoë',
        lastName: '李',
        postalAddress: { address1: '1 Rue de l’Église 🏠' },
      });
    });
  });

  describe('deeply nested JSON', () => {
    it('is refused at parsing with 400 on both services, before any transformation', async () => {
      const deep = `{"person":${nestedArrays(10_000)}}`;
      const reg = await api(p, 'POST', '/customers/v2/registrations', { token, rawBody: deep });
      expect(reg.status).toBe(400);
      expect(reg.body).toMatchObject({ code: 'MALFORMED_BODY' });
      expect(reg.body.detail).toMatch(/nest/i);
      const patchMe = await api(p, 'PATCH', '/customers/v2/customers/x', {
        token,
        rawBody: `{"postalAddress":${nestedArrays(40)}}`,
        contentType: MERGE_PATCH,
      });
      expect(patchMe.status).toBe(400);
      expect(patchMe.body).toMatchObject({ code: 'MALFORMED_BODY' });
      const res = await fetch(`${p.auth.url}/admin/v1/clients`, {
        method: 'POST',
        headers: { authorization: `Bearer ${adminToken}`, 'content-type': 'application/json' },
        body: `{"name":${nestedArrays(10_000)}}`,
      });
      expect(res.status).toBe(400);
      expect(await res.json()).toMatchObject({ code: 'MALFORMED_BODY' });
    });

    it('counts only brackets outside strings, so bracket-heavy text still parses', async () => {
      const name = '['.repeat(60);
      const res = await fetch(`${p.auth.url}/admin/v1/clients`, {
        method: 'POST',
        headers: { authorization: `Bearer ${adminToken}`, 'content-type': 'application/json' },
        body: JSON.stringify({
          institutionId: 'fi-one',
          name: `${name}"\\{`,
          scopes: ['customers:read'],
          grantTypes: ['client_credentials'],
        }),
      });
      expect(res.status).toBe(201);
    });
  });

  describe('merge patch and the characters of a person', () => {
    const registered = async () => {
      const reg = await api(p, 'POST', '/customers/v2/registrations', {
        token,
        body: registrationBody(),
      });
      return `/customers/v2/customers/${reg.body.customerId as string}`;
    };

    it('answers a null merge patch that a patch must be a JSON object', async () => {
      const path = await registered();
      const res = await api(p, 'PATCH', path, { token, rawBody: 'null', contentType: MERGE_PATCH });
      expect(res.status).toBe(400);
      expect(res.body.detail).not.toMatch(/not valid JSON/);
      expect(res.body.errors).toEqual([
        { pointer: '', detail: expect.stringMatching(/must be a JSON object/) },
      ]);
    });

    it.each([
      ['U+202E right-to-left override', '\u202e'],
      ['U+2066 left-to-right isolate', '\u2066'],
      ['U+200F right-to-left mark', '\u200f'],
      ['U+200B zero-width space', '\u200b'],
      ['U+0007 bell', '\u0007'],
    ])('refuses %s in names and addresses', async (_name, char) => {
      const before = await count('customer.customers');
      const register = (person: Record<string, unknown>) =>
        api(p, 'POST', '/customers/v2/registrations', {
          token,
          body: registrationBody({}, person),
        });
      expectProblem(await register({ lastName: `Doe${char}` }), '/person/lastName');
      expectProblem(
        await register({ postalAddress: { ...addr(), city: `Spring${char}field` } }),
        '/person/postalAddress/city',
      );
      expectProblem(
        await register({ postalAddress: { ...addr(), address1: `100 Main${char} Street` } }),
        '/person/postalAddress/address1',
      );
      expect(await count('customer.customers')).toBe(before);
      const path = await registered();
      expectProblem(
        await api(p, 'PATCH', path, {
          token,
          body: { postalAddress: { address2: `Apt ${char}4` } },
          contentType: MERGE_PATCH,
        }),
        '/postalAddress/address2',
      );
      expectProblem(
        await api(p, 'PATCH', path, {
          token,
          body: { emailAddress: `jane${char}@example.com` },
          contentType: MERGE_PATCH,
        }),
        '/emailAddress',
      );
    });
  });
});

const addr = () => ({
  address1: '100 Main Street',
  city: 'Springfield',
  state: 'IL',
  postalCode: '62701',
  country: 'US',
});

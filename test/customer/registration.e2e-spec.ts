import { birthDateProblem } from '../../apps/customer-service/src/customers/person.rules';
import { SsnCipher } from '../../apps/customer-service/src/customers/ssn-cipher';
import { IdempotencyService } from '../../apps/customer-service/src/idempotency/idempotency.service';
import {
  api,
  appToken,
  forgedToken,
  newLoginId,
  passwordGrant,
  registrationBody,
  startCustomerPlatform,
  type CustomerPlatform,
} from '../support/customer-platform';

type Body = Record<string, unknown>;
type Problem = {
  code: string;
  status: number;
  errors?: { pointer: string; detail: string }[];
  transactionId?: string;
};

const REGISTRATIONS = '/customers/v2/registrations';

/**
 * The birth date of someone exactly `years` old today (UTC), `plusDays` later, as YYYY-MM-DD. On
 * 29 February, when that year has none, the 28th: setUTCFullYear would roll over to 1 March, the
 * birth date of someone not yet of age.
 */
const yearsAgo = (years: number, plusDays = 0, now = new Date()): string => {
  const y = now.getUTCFullYear() - years;
  const m = now.getUTCMonth();
  const lastDay = new Date(Date.UTC(y, m + 1, 0)).getUTCDate();
  return new Date(Date.UTC(y, m, Math.min(now.getUTCDate(), lastDay) + plusDays))
    .toISOString()
    .slice(0, 10);
};

/**
 * Waits past UTC midnight when it is less than 10 s away, so that the date a test computes and
 * the day the server checks it on are the same day.
 */
async function awayFromMidnight(): Promise<void> {
  const toMidnight = 86_400_000 - (Date.now() % 86_400_000);
  if (toMidnight < 10_000) await new Promise((r) => setTimeout(r, toMidnight + 1_000));
}

describe('customer-service: registration', () => {
  let p: CustomerPlatform;
  let token: string;
  let otherFiToken: string;

  beforeAll(async () => {
    // fi-two adds a second factor, so its customers may choose 8-character passwords.
    p = await startCustomerPlatform('cus_registration', {
      PASSWORD_MIN_LENGTH_BY_INSTITUTION: 'fi-two:8',
      // Throttling has its own test; here every call comes from 127.0.0.1.
      REGISTRATION_LIMIT_PER_ADDRESS: '100000',
    });
    token = await appToken(p, p.app);
    otherFiToken = await appToken(p, p.otherFi);
  });
  afterAll(async () => p?.close());

  const register = (body: Body, init: { token?: string; headers?: Record<string, string> } = {}) =>
    api(p, 'POST', REGISTRATIONS, { token: init.token ?? token, body, headers: init.headers });

  const expectFieldError = async (body: Body, pointer: string, detail?: RegExp) => {
    const res = await register(body);
    expect(res.status).toBe(400);
    expect(res.headers.get('content-type')).toContain('application/problem+json');
    const problem = res.body as unknown as Problem;
    expect(problem.code).toBe('VALIDATION_FAILED');
    const match = problem.errors?.find((e) => e.pointer === pointer);
    if (!match) throw new Error(`no error at ${pointer}: ${JSON.stringify(problem.errors)}`);
    if (detail) expect(match.detail).toMatch(detail);
  };

  describe('a valid registration', () => {
    it('creates a retail customer: 201, Location, ETag and the profile', async () => {
      const body = registrationBody();
      const res = await register(body);
      expect(res.status).toBe(201);
      const profile = res.body;
      expect(res.headers.get('location')).toBe(`/customers/v2/customers/${profile.customerId}`);
      expect(res.headers.get('etag')).toMatch(/^"[^"]+"$/);
      expect(res.headers.get('cache-control')).toBe('no-store');
      expect(profile).toEqual({
        customerId: expect.stringMatching(/^[0-9a-f-]{36}$/),
        institutionId: 'fi-one',
        loginId: body.loginId,
        userType: 'RETAIL',
        userStatus: 'registered',
        firstName: 'Jane',
        middleName: 'Quinn',
        lastName: 'Doe',
        birthDate: '1990-04-17',
        emailAddress: 'jane.doe@example.com',
        // Normalised to E.164.
        phoneNumber: '+12025550143',
        postalAddress: {
          address1: '100 Main Street',
          address2: 'Apt 4',
          city: 'Springfield',
          state: 'IL',
          postalCode: '62701',
          country: 'US',
        },
        ssnLast4: '6780',
        institutionCustomerId: null,
        memberNumber: null,
        acceptedDisclosures: [],
        failedLoginCount: 0,
        registrationDateTime: expect.any(String),
        updatedAt: expect.any(String),
      });
      expect(JSON.stringify(profile)).not.toContain('123456780');
      expect(JSON.stringify(profile)).not.toContain('password');

      const read = await api(p, 'GET', `/customers/v2/customers/${profile.customerId}`, { token });
      expect(read.status).toBe(200);
      expect(read.body).toEqual(profile);
      expect(read.headers.get('etag')).toBe(res.headers.get('etag'));
    });

    it('creates a business customer of a company', async () => {
      const res = await register(
        registrationBody({
          userType: 'BUSINESS',
          institutionCustomerId: 'acme-corp',
          memberNumber: '000123456',
        }),
      );
      expect(res.status).toBe(201);
      expect(res.body).toMatchObject({
        userType: 'BUSINESS',
        institutionCustomerId: 'acme-corp',
        memberNumber: '000123456',
      });
      const [event] = await p.sql<{ payload: Body }>(
        `SELECT payload FROM outbox_events WHERE payload->>'customerId' = $1 AND event_id = 'registrationUser'`,
        [res.body.customerId],
      );
      expect(event!.payload).toMatchObject({
        eventId: 'registrationUser',
        userType: 'business',
        institutionCustomerId: 'acme-corp',
        institutionId: 'fi-one',
        channel: 'api',
        attributes: { userStatus: 'registered' },
      });
    });

    it('writes the customer, the credentials, the audit entry and the event together', async () => {
      const res = await register(registrationBody());
      const id = res.body.customerId as string;
      const [credentials] = await p.sql<{ password_hash: string }>(
        'SELECT password_hash FROM credentials WHERE customer_id = $1',
        [id],
      );
      expect(credentials!.password_hash).toMatch(/^\$argon2id\$v=19\$m=\d+,t=\d+,p=\d+\$/);
      expect(credentials!.password_hash).not.toContain('violet');

      const [audit] = await p.sql<{
        action: string;
        actor_type: string;
        actor_id: string;
        changes: { field: string; new: unknown }[];
      }>('SELECT action, actor_type, actor_id, changes FROM audit_events WHERE customer_id = $1', [
        id,
      ]);
      expect(audit).toMatchObject({
        action: 'registered',
        actor_type: 'client',
        actor_id: p.app.clientId,
      });
      const changes = Object.fromEntries(audit!.changes.map((c) => [c.field, c.new]));
      expect(changes).toMatchObject({
        loginId: res.body.loginId,
        ssn: '***-**-6780',
        birthDate: '1990-**-**',
        emailAddress: 'j***@example.com',
        phoneNumber: '***0143',
        postalAddress: { address1: '1***', city: 'Springfield', postalCode: '627**' },
      });
      expect(JSON.stringify(audit)).not.toContain('123456780');
      expect(JSON.stringify(audit)).not.toContain('jane.doe');

      const events = await p.sql<{ event_id: string }>(
        `SELECT event_id FROM outbox_events WHERE payload->>'customerId' = $1`,
        [id],
      );
      expect(events.map((e) => e.event_id)).toEqual(['registrationUser']);
    });

    it('keeps the SSN encrypted at rest, bound to the customer', async () => {
      const first = await register(registrationBody({}, { ssn: '219-09-9998' }));
      const second = await register(registrationBody());
      const rows = await p.sql<{ id: string; ssn_sealed: string; ssn_last4: string }>(
        'SELECT id, ssn_sealed, ssn_last4 FROM customers WHERE id = ANY($1)',
        [[first.body.customerId, second.body.customerId]],
      );
      const sealedFirst = rows.find((r) => r.id === first.body.customerId)!;
      expect(sealedFirst.ssn_sealed).toMatch(/^v1\./);
      expect(sealedFirst.ssn_sealed).not.toContain('219099998');
      expect(sealedFirst.ssn_last4).toBe('9998');
      const cipher = p.customers.app.get(SsnCipher);
      expect(cipher.open(sealedFirst.ssn_sealed, sealedFirst.id)).toBe('219099998');
      // Copied onto another customer's row, the ciphertext does not open.
      expect(() => cipher.open(sealedFirst.ssn_sealed, second.body.customerId as string)).toThrow();
    });

    it('does not need acceptedDisclosures at an FI with no required disclosure', async () => {
      const body = registrationBody();
      delete body.acceptedDisclosures;
      expect((await register(body)).status).toBe(201);
    });

    it('accepts names up to 39 characters counted as code points, with accents', async () => {
      const res = await register(
        registrationBody(
          {},
          { firstName: 'É'.repeat(39), lastName: "O'Brien-Smith", middleName: undefined },
        ),
      );
      expect(res.status).toBe(201);
      expect(res.body.middleName).toBeNull();
    });
  });

  describe('loginId', () => {
    it('is unique per FI ignoring case: 409 CUS_LOGIN_ID_TAKEN', async () => {
      const loginId = newLoginId('Dup');
      expect((await register(registrationBody({ loginId }))).status).toBe(201);
      const again = await register(registrationBody({ loginId: loginId.toLowerCase() }));
      expect(again.status).toBe(409);
      expect(again.body).toMatchObject({
        code: 'CUS_LOGIN_ID_TAKEN',
        errors: [{ pointer: '/loginId', detail: 'is already taken' }],
      });
    });

    it('may be used again at another FI', async () => {
      const loginId = newLoginId('both');
      expect((await register(registrationBody({ loginId }))).status).toBe(201);
      expect((await register(registrationBody({ loginId }), { token: otherFiToken })).status).toBe(
        201,
      );
    });

    it('decides between two simultaneous registrations of the same loginId', async () => {
      const loginId = newLoginId('race');
      const results = await Promise.all([
        register(registrationBody({ loginId })),
        register(registrationBody({ loginId: loginId.toUpperCase() })),
      ]);
      expect(results.map((r) => r.status).sort()).toEqual([201, 409]);
    });

    it.each([
      ['too short', 'abc12'],
      ['too long', 'a'.repeat(21)],
      ['all digits', '12345678'],
      ['a character outside letters, digits and @$*_-=.!~', 'jane#doe'],
      ['spaces', 'jane doe1'],
    ])('is refused when %s', async (_why, loginId) => {
      await expectFieldError(registrationBody({ loginId }), '/loginId');
    });

    it('allows letters, digits and @$*_-=.!~', async () => {
      expect(
        (await register(registrationBody({ loginId: `a@$*_-=.!~${Date.now() % 1000}` }))).status,
      ).toBe(201);
    });
  });

  describe('person', () => {
    it.each([
      ['an empty first name', { firstName: '' }, '/person/firstName'],
      ['a 40-character first name', { firstName: 'A'.repeat(40) }, '/person/firstName'],
      ['digits in a last name', { lastName: 'D0e' }, '/person/lastName'],
      ['a 40-character middle name', { middleName: 'Q'.repeat(40) }, '/person/middleName'],
      ['a missing last name', { lastName: undefined }, '/person/lastName'],
      ['a birth date that is not a date', { birthDate: '1990-02-30' }, '/person/birthDate'],
      ['a birth date in another format', { birthDate: '04/17/1990' }, '/person/birthDate'],
      ['an SSN of 8 digits', { ssn: '12345678' }, '/person/ssn'],
      ['an SSN with letters', { ssn: '12345678X' }, '/person/ssn'],
      ['an SSN with area 000', { ssn: '000-12-3456' }, '/person/ssn'],
      ['an SSN with area 666', { ssn: '666-12-3456' }, '/person/ssn'],
      ['an SSN with area 9xx', { ssn: '912-12-3456' }, '/person/ssn'],
      ['an SSN with group 00', { ssn: '123-00-4567' }, '/person/ssn'],
      ['an SSN with serial 0000', { ssn: '123-45-0000' }, '/person/ssn'],
      ['the advertised SSN', { ssn: '078-05-1120' }, '/person/ssn'],
      ['an e-mail that is not one', { emailAddress: 'jane.example.com' }, '/person/emailAddress'],
      ['a phone number that cannot be one', { phoneNumber: '12345' }, '/person/phoneNumber'],
      [
        'a phone number with no such area',
        { phoneNumber: '+1 555 555 5555' },
        '/person/phoneNumber',
      ],
      ['no postal address', { postalAddress: undefined }, '/person/postalAddress'],
    ])('refuses %s', async (_why, person, pointer) => {
      await expectFieldError(registrationBody({}, person), pointer);
    });

    // Dates from today's, computed when the test runs (not when the file loads, seconds before).
    it.each([
      ['a birth date in the future', () => yearsAgo(-1)],
      ['a minor, of age tomorrow', () => yearsAgo(18, 1)],
    ])('refuses %s', async (_why, birthDate) => {
      await awayFromMidnight();
      await expectFieldError(registrationBody({}, { birthDate: birthDate() }), '/person/birthDate');
    });

    it('accepts exactly 18 years of age', async () => {
      await awayFromMidnight();
      expect((await register(registrationBody({}, { birthDate: yearsAgo(18) }))).status).toBe(201);
    });

    it('counts 18 years to the day, 29 February included (the dates the tests above send)', () => {
      const on = (iso: string) => new Date(`${iso}T12:00:00Z`);
      expect(yearsAgo(18, 0, on('2026-11-30'))).toBe('2008-11-30');
      expect(yearsAgo(18, 1, on('2026-11-30'))).toBe('2008-12-01');
      expect(yearsAgo(18, 0, on('2028-02-29'))).toBe('2010-02-28');
      expect(yearsAgo(18, 1, on('2028-02-29'))).toBe('2010-03-01');
      expect(yearsAgo(-1, 0, on('2028-02-29'))).toBe('2029-02-28');
      expect(yearsAgo(18, 0, on('2026-12-31'))).toBe('2008-12-31');
      // And the service's own rule agrees on each of those days.
      for (const day of ['2026-11-30', '2028-02-29', '2029-03-01', '2026-12-31'].map(on)) {
        expect(birthDateProblem(yearsAgo(18, 0, day), day)).toBeUndefined();
        expect(birthDateProblem(yearsAgo(18, 1, day), day)).toMatch(/at least 18/);
        expect(birthDateProblem(yearsAgo(-1, 0, day), day)).toBe('must be in the past');
      }
    });

    it('accepts an SSN written with or without dashes', async () => {
      const res = await register(registrationBody({}, { ssn: '123456781' }));
      expect(res.status).toBe(201);
      expect(res.body.ssnLast4).toBe('6781');
    });

    it('reads a national phone number in the address country', async () => {
      const res = await register(
        registrationBody(
          {},
          {
            phoneNumber: '020 7946 0958',
            postalAddress: {
              address1: '10 Downing Street',
              city: 'London',
              state: 'Greater London',
              postalCode: 'SW1A 2AA',
              country: 'gb',
            },
          },
        ),
      );
      expect(res.status).toBe(201);
      expect(res.body.phoneNumber).toBe('+442079460958');
      expect(res.body.postalAddress).toMatchObject({ country: 'GB' });
    });

    const address = (changes: Body) => ({
      postalAddress: {
        address1: '100 Main Street',
        city: 'Springfield',
        state: 'IL',
        postalCode: '62701',
        country: 'US',
        ...changes,
      },
    });

    it.each([
      ['no address line', { address1: undefined }, '/person/postalAddress/address1'],
      ['an empty city', { city: '' }, '/person/postalAddress/city'],
      ['no state', { state: undefined }, '/person/postalAddress/state'],
      ['a US state that does not exist', { state: 'XX' }, '/person/postalAddress/state'],
      ['a US ZIP that is not one', { postalCode: 'ABCDE' }, '/person/postalAddress/postalCode'],
      ['no postal code', { postalCode: undefined }, '/person/postalAddress/postalCode'],
      ['a country that is not ISO 3166', { country: 'USA' }, '/person/postalAddress/country'],
      ['an unknown address field', { county: 'Sangamon' }, '/person/postalAddress/county'],
    ])('refuses an address with %s', async (_why, changes, pointer) => {
      await expectFieldError(registrationBody({}, address(changes)), pointer);
    });
  });

  describe('the rest of the body', () => {
    it.each([
      ['an unknown userType', { userType: 'PERSONAL' }, '/userType'],
      [
        'a business customer without its company',
        { userType: 'BUSINESS' },
        '/institutionCustomerId',
      ],
      [
        'a company for a retail customer',
        { userType: 'RETAIL', institutionCustomerId: 'acme' },
        '/institutionCustomerId',
      ],
      ['an unknown field', { nickname: 'JD' }, '/nickname'],
      ['no person', { person: undefined }, '/person'],
      [
        'acceptedDisclosures that is not a list',
        { acceptedDisclosures: 'all' },
        '/acceptedDisclosures',
      ],
      [
        'an acceptance without a version',
        { acceptedDisclosures: [{ disclosureId: 'terms' }] },
        '/acceptedDisclosures/0/version',
      ],
      ['a member number with spaces', { memberNumber: '12 34' }, '/memberNumber'],
    ])('refuses %s', async (_why, overrides, pointer) => {
      await expectFieldError(registrationBody(overrides), pointer);
    });

    it('refuses unknown fields inside person', async () => {
      await expectFieldError(
        registrationBody({}, { favoriteColor: 'blue' }),
        '/person/favoriteColor',
      );
    });

    it('lists every field error at once', async () => {
      const res = await register(
        registrationBody(
          { loginId: '123' },
          { firstName: '', ssn: '000000000', emailAddress: 'x' },
        ),
      );
      expect(res.status).toBe(400);
      const pointers = (res.body as unknown as Problem).errors!.map((e) => e.pointer);
      expect(pointers).toEqual(
        expect.arrayContaining([
          '/loginId',
          '/person/firstName',
          '/person/ssn',
          '/person/emailAddress',
        ]),
      );
    });

    it('answers malformed JSON and a wrong content type with 4xx problems', async () => {
      const malformed = await api(p, 'POST', REGISTRATIONS, { token, rawBody: '{"loginId": ' });
      expect(malformed.status).toBe(400);
      expect(malformed.body).toMatchObject({
        code: 'MALFORMED_BODY',
        transactionId: expect.any(String),
      });
      const text = await api(p, 'POST', REGISTRATIONS, {
        token,
        rawBody: 'loginId=jdoe',
        contentType: 'text/plain',
      });
      expect(text.status).toBeGreaterThanOrEqual(400);
      expect(text.status).toBeLessThan(500);
    });
  });

  describe('password (NIST SP 800-63B-4)', () => {
    it('needs 15 characters by default', async () => {
      await expectFieldError(
        registrationBody({ password: 'tuba zebra ok!' }),
        '/password',
        /at least 15 characters/,
      );
      expect((await register(registrationBody({ password: 'tuba zebra ok!!' }))).status).toBe(201);
    });

    it('needs only 8 at an FI configured for it (second factor)', async () => {
      expect(
        (await register(registrationBody({ password: 'tuba-zeb' }), { token: otherFiToken }))
          .status,
      ).toBe(201);
      const short = await register(registrationBody({ password: 'tuba-ze' }), {
        token: otherFiToken,
      });
      expect(short.status).toBe(400);
      expect((short.body as unknown as Problem).errors![0]).toMatchObject({ pointer: '/password' });
    });

    it('counts code points, not UTF-16 units', async () => {
      // 14 emoji are 28 UTF-16 units but 14 characters: too short. 15 are enough.
      await expectFieldError(
        registrationBody({ password: '🐙🦀🐢🦑🐡🦞🐠🐬🐳🦈🐊🦎🐍🦖' }),
        '/password',
        /at least 15/,
      );
      expect(
        (await register(registrationBody({ password: '🐙🦀🐢🦑🐡🦞🐠🐬🐳🦈🐊🦎🐍🦖🦕' }))).status,
      ).toBe(201);
    });

    it('allows long passphrases (64 and more, up to 128) and refuses beyond', async () => {
      const phrase = 'the quick onyx goblin jumps over the lazy dwarf, then naps ';
      expect(
        (await register(registrationBody({ password: phrase.repeat(2).slice(0, 64) }))).status,
      ).toBe(201);
      expect(
        (await register(registrationBody({ password: `${phrase}${phrase}`.slice(0, 128) }))).status,
      ).toBe(201);
      await expectFieldError(
        registrationBody({ password: `${phrase}${phrase}${phrase}`.slice(0, 129) }),
        '/password',
        /at most 128/,
      );
    });

    it('has no composition rules: lower-case words and spaces are fine', async () => {
      expect(
        (await register(registrationBody({ password: 'plain lowercase words only' }))).status,
      ).toBe(201);
    });

    it.each([
      ['a common password', 'passwordpassword'],
      ['a breached password, whatever the case', 'QAZWSXEDCRFVTGB'],
      ['a sequence', '123456789012345678'],
      ['a repetition', 'zzzzzzzzzzzzzzzz'],
    ])('refuses %s', async (_why, password) => {
      await expectFieldError(
        registrationBody({ password }),
        '/password',
        /commonly used|repeated or sequential/,
      );
    });

    it('refuses a password containing the loginId', async () => {
      const loginId = newLoginId('Marigold');
      await expectFieldError(
        registrationBody({ loginId, password: `my ${loginId.toLowerCase()} is great` }),
        '/password',
        /loginId/,
      );
    });

    it("refuses a password containing the customer's name", async () => {
      await expectFieldError(
        registrationBody({ password: 'doe family holiday 2026' }),
        '/password',
        /name/,
      );
      await expectFieldError(
        registrationBody({ password: 'JANE likes long walks' }),
        '/password',
        /name/,
      );
    });
  });

  describe('Idempotency-Key', () => {
    it('replays the first response for the same body, without registering twice', async () => {
      const key = `reg-${Date.now()}`;
      const body = registrationBody();
      const first = await register(body, { headers: { 'Idempotency-Key': key } });
      expect(first.status).toBe(201);
      const again = await register(body, { headers: { 'Idempotency-Key': key } });
      expect(again.status).toBe(201);
      expect(again.body).toEqual(first.body);
      expect(again.headers.get('location')).toBe(first.headers.get('location'));
      expect(again.headers.get('idempotent-replayed')).toBe('true');
      const [{ count }] = (await p.sql<{ count: string }>(
        'SELECT count(*) FROM customers WHERE login_id = $1',
        [body.loginId],
      )) as [{ count: string }];
      expect(count).toBe('1');
    });

    it('keeps the stored response sealed: no profile data in the table', async () => {
      const key = `sealed-${Date.now()}`;
      const body = registrationBody({}, { firstName: 'Sealedname', birthDate: '1971-02-03' });
      const first = await register(body, { headers: { 'Idempotency-Key': key } });
      expect(first.status).toBe(201);
      const [row] = await p.sql<Record<string, unknown>>(
        'SELECT * FROM idempotency_records WHERE idempotency_key = $1',
        [key],
      );
      const stored = JSON.stringify(row);
      for (const pii of ['Sealedname', '1971-02-03', '555-0143', 'Main Street', body.loginId])
        expect(stored).not.toContain(pii);
      expect(row!.response_body_sealed).toMatch(/^v1\./);

      // And it still replays.
      const again = await register(body, { headers: { 'Idempotency-Key': key } });
      expect(again.body).toEqual(first.body);
    });

    it('treats the same JSON with members in another order as the same request', async () => {
      const key = `order-${Date.now()}`;
      const body = registrationBody();
      const first = await register(body, { headers: { 'Idempotency-Key': key } });
      const reordered = Object.fromEntries(Object.entries(body).reverse());
      const again = await register(reordered, { headers: { 'Idempotency-Key': `"${key}"` } });
      expect(again.status).toBe(201);
      expect(again.body.customerId).toBe(first.body.customerId);
    });

    it('refuses the same key with another body: 422 CUS_IDEMPOTENCY_KEY_REUSED', async () => {
      const key = `reuse-${Date.now()}`;
      expect(
        (await register(registrationBody(), { headers: { 'Idempotency-Key': key } })).status,
      ).toBe(201);
      const other = await register(registrationBody(), { headers: { 'Idempotency-Key': key } });
      expect(other.status).toBe(422);
      expect(other.body.code).toBe('CUS_IDEMPOTENCY_KEY_REUSED');
    });

    it('answers 409 CUS_IDEMPOTENCY_IN_FLIGHT while the first request is running', async () => {
      const key = `inflight-${Date.now()}`;
      const body = registrationBody();
      // A claim taken by a request still running on another instance.
      const fingerprint = p.customers.app
        .get(IdempotencyService)
        .fingerprint('POST', REGISTRATIONS, body);
      await p.sql(
        `INSERT INTO idempotency_records
           (client_id, idempotency_key, institution_id, request_hash, state, locked_until, created_at, expires_at)
         VALUES ($1, $2, 'fi-one', $3, 'inFlight', now() + interval '1 minute', now(), now() + interval '1 day')`,
        [p.app.clientId, key, fingerprint],
      );
      const res = await register(body, { headers: { 'Idempotency-Key': key } });
      expect(res.status).toBe(409);
      expect(res.body.code).toBe('CUS_IDEMPOTENCY_IN_FLIGHT');
      expect(res.headers.get('retry-after')).toBe('1');

      // An abandoned claim (its instance died) is taken over once its lease ends.
      await p.sql(
        `UPDATE idempotency_records SET locked_until = now() - interval '1 second'
          WHERE client_id = $1 AND idempotency_key = $2`,
        [p.app.clientId, key],
      );
      expect((await register(body, { headers: { 'Idempotency-Key': key } })).status).toBe(201);
    });

    it('is scoped to the client: another client may use the same key', async () => {
      const key = `shared-${Date.now()}`;
      const mine = await register(registrationBody(), { headers: { 'Idempotency-Key': key } });
      const theirs = await register(registrationBody(), {
        token: otherFiToken,
        headers: { 'Idempotency-Key': key },
      });
      expect(mine.status).toBe(201);
      expect(theirs.status).toBe(201);
      expect(theirs.body.customerId).not.toBe(mine.body.customerId);
    });

    it('releases the key when the request fails, so it can be retried', async () => {
      const key = `retry-${Date.now()}`;
      const loginId = newLoginId('retry');
      expect((await register(registrationBody({ loginId }))).status).toBe(201);
      const body = registrationBody({ loginId });
      expect((await register(body, { headers: { 'Idempotency-Key': key } })).status).toBe(409);
      const fixed = { ...body, loginId: newLoginId('retry') };
      // The key was released: a corrected request under the same key is a new request.
      expect((await register(fixed, { headers: { 'Idempotency-Key': key } })).status).toBe(201);
    });

    it('keeps keys at least 24 hours', async () => {
      const key = `ttl-${Date.now()}`;
      await register(registrationBody(), { headers: { 'Idempotency-Key': key } });
      const [row] = await p.sql<{ hours: number }>(
        `SELECT EXTRACT(EPOCH FROM (expires_at - created_at)) / 3600 AS hours
           FROM idempotency_records WHERE idempotency_key = $1`,
        [key],
      );
      expect(Number(row!.hours)).toBeGreaterThanOrEqual(24);
    });

    it('refuses a key that is not 1 to 255 visible characters', async () => {
      const res = await register(registrationBody(), {
        headers: { 'Idempotency-Key': 'x'.repeat(256) },
      });
      expect(res.status).toBe(400);
      expect(res.body.code).toBe('CUS_IDEMPOTENCY_KEY_INVALID');
    });
  });

  describe('access', () => {
    it('needs a token (401) with customers:write (403)', async () => {
      const none = await api(p, 'POST', REGISTRATIONS, { body: registrationBody() });
      expect(none.status).toBe(401);
      expect(none.headers.get('www-authenticate')).toContain('invalid_token');
      const readOnly = await appToken(p, p.app, ['customers:read']);
      const res = await register(registrationBody(), { token: readOnly });
      expect(res.status).toBe(403);
      expect(res.headers.get('www-authenticate')).toContain('insufficient_scope');
    });

    it("refuses an institutionId header that is not the token's FI", async () => {
      const res = await register(registrationBody(), { headers: { institutionId: 'fi-two' } });
      expect(res.status).toBe(403);
    });

    it("refuses a customer's token even when it carries customers:write", async () => {
      const body = registrationBody();
      const registered = await register(body);
      const login = await passwordGrant(p, body.loginId as string, body.password as string, p.app);
      expect(login.status).toBe(200);
      // The auth-server never puts customers:write on a customer's token: forged, to show that
      // the route refuses the kind of token and not only the missing scope.
      const forged = await forgedToken(p, {
        sub: registered.body.customerId,
        client_id: p.app.clientId,
        institution_id: 'fi-one',
        scope: 'customers:write',
        login_id: body.loginId,
      });
      for (const customerToken of [login.body.access_token as string, forged]) {
        const res = await register(registrationBody(), { token: customerToken });
        expect(res.status).toBe(403);
      }
      const res = await register(registrationBody(), { token: forged });
      expect(res.body.code).toBe('CUS_APP_TOKEN_REQUIRED');
    });

    it("never shows another FI's customer: 404", async () => {
      const res = await register(registrationBody());
      const other = await api(p, 'GET', `/customers/v2/customers/${res.body.customerId}`, {
        token: otherFiToken,
      });
      expect(other.status).toBe(404);
      expect(other.body.code).toBe('CUS_CUSTOMER_NOT_FOUND');
      const notAnId = await api(p, 'GET', '/customers/v2/customers/not-a-uuid', { token });
      expect(notAnId.status).toBe(404);
    });
  });
});

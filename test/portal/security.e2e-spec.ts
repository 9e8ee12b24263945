import { createHash } from 'node:crypto';
import { HousekeepingJob } from '../../apps/developer-portal/src/housekeeping/housekeeping.job';
import { PortalBrowser, type PageAnswer } from './support/browser';
import { startPortalPlatform, type PortalPlatform } from './support/portal';

const PASSWORD = 'seven purple otters juggle quietly';

/** The page without what differs on every answer (CSRF tokens). */
const stable = (page: PageAnswer) =>
  page.html.replace(/(csrf-token" content|name="_csrf" value)="[^"]*"/g, '$1=""');

const sessionCookie = (page: PageAnswer) =>
  page.headers.getSetCookie().find((c) => c.startsWith('portal_session='));

describe('developer-portal: account security', () => {
  let p: PortalPlatform;

  /** Signs up `email` and returns its verification link's path. */
  async function signUp(email: string, name = 'Grace Hopper'): Promise<string> {
    const browser = new PortalBrowser(p.portal.url);
    const answer = await browser.submit('/signup', '/signup', { name, email, password: PASSWORD });
    expect(answer.status).toBe(200);
    const link = (await p.mailTo(email, (m) => m.subject.startsWith('Verify'))).links[0]!;
    return new URL(link).pathname + new URL(link).search;
  }

  async function logIn(browser: PortalBrowser, email: string, password = PASSWORD) {
    return browser.submit('/login', '/login', { email, password });
  }

  beforeAll(async () => {
    p = await startPortalPlatform(
      'portal_security',
      {
        LOGIN_LIMIT_PER_EMAIL: '4',
        LOGIN_LIMIT_PER_ADDRESS: '1000',
        SIGNUP_LIMIT_PER_ADDRESS: '1000',
      },
      { withServices: false },
    );
  });
  afterAll(async () => {
    await p?.close();
  });

  describe('CSRF', () => {
    it('refuses every form without the token, with a made-up one, or with another session’s', async () => {
      const browser = new PortalBrowser(p.portal.url);
      await browser.get('/signup');
      const fields = { name: 'Mallory', email: 'mallory@example.com', password: PASSWORD };
      expect((await browser.post('/signup', { ...fields, _csrf: null })).status).toBe(403);
      expect((await browser.post('/signup', { ...fields, _csrf: 'forged-token' })).status).toBe(
        403,
      );
      // A token of another browser (another secret cookie) does not work either.
      const other = new PortalBrowser(p.portal.url);
      await other.get('/signup');
      const refused = await browser.post('/signup', { ...fields, _csrf: other.csrfToken });
      expect(refused.status).toBe(403);
      expect(refused.html).toContain('PORTAL_CSRF_REFUSED');
      // Nothing was signed up.
      const rows = await p.sql.query(`SELECT 1 FROM portal.developers WHERE email = $1`, [
        fields.email,
      ]);
      expect(rows.rowCount).toBe(0);
      // With its own token the same form goes through.
      expect((await browser.post('/signup', fields)).status).toBe(200);
    });

    it('refuses a token taken before sign-in once signed in (tokens are bound to the session)', async () => {
      const email = 'bound@example.com';
      await signUp(email);
      const browser = new PortalBrowser(p.portal.url);
      await browser.get('/login');
      const anonymousToken = browser.csrfToken;
      expect((await logIn(browser, email)).status).toBe(303);
      expect((await browser.post('/logout', { _csrf: anonymousToken })).status).toBe(403);
      await browser.get('/welcome');
      expect((await browser.post('/logout')).status).toBe(303);
    });
  });

  describe('sessions', () => {
    it('sets the session cookie HttpOnly, SameSite=Lax, and gives a new id at every log-in', async () => {
      const email = 'fixation@example.com';
      await signUp(email);
      const browser = new PortalBrowser(p.portal.url);
      const first = await logIn(browser, email);
      const cookie = sessionCookie(first)!;
      expect(cookie).toMatch(/HttpOnly/i);
      expect(cookie).toMatch(/SameSite=Lax/i);
      expect(cookie).toMatch(/Path=\//);
      // Plain http on a loopback host: not Secure (it would never be sent back).
      expect(cookie).not.toMatch(/Secure/i);
      const firstId = browser.cookies.get('portal_session')!;
      const second = await logIn(browser, email);
      const secondId = browser.cookies.get('portal_session')!;
      expect(sessionCookie(second)).toBeDefined();
      expect(secondId).not.toBe(firstId);
      // The session the second log-in replaced is over.
      const stale = new PortalBrowser(p.portal.url);
      stale.cookies.set('portal_session', firstId);
      expect((await stale.get('/welcome')).status).toBe(303);
    });

    it('never adopts a session id the browser arrived with (fixation)', async () => {
      const email = 'preset@example.com';
      await signUp(email);
      const planted = 'A'.repeat(43);
      const victim = new PortalBrowser(p.portal.url);
      victim.cookies.set('portal_session', planted);
      expect((await logIn(victim, email)).status).toBe(303);
      expect(victim.cookies.get('portal_session')).not.toBe(planted);
      const attacker = new PortalBrowser(p.portal.url);
      attacker.cookies.set('portal_session', planted);
      const page = await attacker.get('/welcome');
      expect(page.status).toBe(303);
      expect(page.location).toMatch(/^\/login\?next=/);
      // The database holds hashes of session ids, never the ids.
      const { rows } = await p.sql.query<{ id_hash: Buffer }>(
        `SELECT id_hash FROM portal.sessions`,
      );
      for (const row of rows) expect(row.id_hash.length).toBe(32);
      const stored = rows.map((r) => r.id_hash.toString('base64url'));
      expect(stored).not.toContain(victim.cookies.get('portal_session'));
    });

    it('ends a session after its idle time and at its absolute expiry; housekeeping removes them', async () => {
      const email = 'expiry@example.com';
      await signUp(email);
      const idle = new PortalBrowser(p.portal.url);
      const absolute = new PortalBrowser(p.portal.url);
      await logIn(idle, email);
      await logIn(absolute, email);
      const hashOf = (b: PortalBrowser) =>
        createHash('sha256').update(b.cookies.get('portal_session')!).digest();
      expect((await idle.get('/welcome')).status).toBe(200);
      await p.sql.query(
        `UPDATE portal.sessions SET last_seen_at = now() - interval '61 minutes' WHERE id_hash = $1`,
        [hashOf(idle)],
      );
      await p.sql.query(`UPDATE portal.sessions SET expires_at = now() WHERE id_hash = $1`, [
        hashOf(absolute),
      ]);
      expect((await idle.get('/welcome')).status).toBe(303);
      expect((await absolute.get('/welcome')).status).toBe(303);
      await p.portal.app.get(HousekeepingJob).run();
      const left = await p.sql.query(`SELECT 1 FROM portal.sessions WHERE id_hash = ANY($1)`, [
        [hashOf(idle), hashOf(absolute)],
      ]);
      expect(left.rowCount).toBe(0);
    });

    it('ends the session server-side at log-out: the old cookie no longer signs anyone in', async () => {
      const email = 'logout@example.com';
      await signUp(email);
      const browser = new PortalBrowser(p.portal.url);
      await logIn(browser, email);
      const id = browser.cookies.get('portal_session')!;
      await browser.get('/welcome');
      const out = await browser.post('/logout');
      expect(out.status).toBe(303);
      const replay = new PortalBrowser(p.portal.url);
      replay.cookies.set('portal_session', id);
      expect((await replay.get('/welcome')).status).toBe(303);
    });
  });

  describe('verification', () => {
    it('does not let an unverified account see or create apps', async () => {
      const email = 'unverified@example.com';
      await signUp(email);
      const browser = new PortalBrowser(p.portal.url);
      expect((await logIn(browser, email)).status).toBe(303);
      const welcome = await browser.get('/welcome');
      expect(welcome.status).toBe(200);
      expect(welcome.html).toContain('Verify your email');
      expect((await browser.get('/apps')).status).toBe(403);
      const create = await browser.post('/apps', { name: 'Sneaky', scopes: 'customers:read' });
      expect(create.status).toBe(403);
      expect(create.html).toContain('PORTAL_EMAIL_NOT_VERIFIED');
      expect((await browser.post('/welcome')).status).toBe(403);
      expect((await p.sql.query(`SELECT 1 FROM portal.organizations`)).rowCount).toBe(0);
    });

    it('stores verification links hashed, and a link works once', async () => {
      const path = await signUp('once@example.com');
      const token = new URLSearchParams(path.split('?')[1]).get('token')!;
      const { rows } = await p.sql.query<{ token_hash: Buffer }>(
        `SELECT token_hash FROM portal.account_tokens t JOIN portal.developers d ON d.id = t.developer_id
          WHERE d.email = 'once@example.com'`,
      );
      expect(rows).toHaveLength(1);
      expect(rows[0]!.token_hash.toString('base64url')).not.toBe(token);
      const browser = new PortalBrowser(p.portal.url);
      expect((await browser.get(path)).status).toBe(200);
      // Verification fails on provisioning here (no customer- or activity-service) but uses the link.
      await browser.post('/verify', { token });
      expect((await browser.get(path)).status).toBe(400);
      expect((await browser.post('/verify', { token })).status).toBe(400);
    });
  });

  describe('the same answer whether an email is registered or not', () => {
    it('sign-up', async () => {
      await signUp('taken@example.com');
      const a = new PortalBrowser(p.portal.url);
      const b = new PortalBrowser(p.portal.url);
      const registered = await a.submit('/signup', '/signup', {
        name: 'Someone',
        email: 'taken@example.com',
        password: PASSWORD,
      });
      const unregistered = await b.submit('/signup', '/signup', {
        name: 'Someone',
        email: 'free@example.com',
        password: PASSWORD,
      });
      expect(registered.status).toBe(unregistered.status);
      expect(stable(registered).replace('taken@', 'free@')).toBe(stable(unregistered));
      // The registered address learns of the attempt by mail; the account is unchanged.
      const notice = await p.mailTo('taken@example.com', (m) => m.subject.startsWith('Verify'));
      expect(notice).toBeDefined();
    });

    it('log-in failures', async () => {
      await signUp('known@example.com');
      const a = await logIn(
        new PortalBrowser(p.portal.url),
        'known@example.com',
        'wrong password entirely',
      );
      const b = await logIn(
        new PortalBrowser(p.portal.url),
        'unknown@example.com',
        'wrong password entirely',
      );
      expect(a.status).toBe(401);
      expect(b.status).toBe(401);
      expect(stable(a).replace('known@', 'unknown@')).toBe(stable(b));
    });

    it('forgot password', async () => {
      await signUp('forgetful@example.com');
      const a = await new PortalBrowser(p.portal.url).submit(
        '/forgot-password',
        '/forgot-password',
        {
          email: 'forgetful@example.com',
        },
      );
      const b = await new PortalBrowser(p.portal.url).submit(
        '/forgot-password',
        '/forgot-password',
        {
          email: 'nobody@example.com',
        },
      );
      expect(a.status).toBe(200);
      expect(stable(a).replace('forgetful@', 'nobody@')).toBe(stable(b));
      const reset = await p.mailTo('forgetful@example.com', (m) => m.subject.startsWith('Reset'));
      expect(reset.links[0]).toContain('/reset-password?token=');
    });
  });

  it('resets a password with a single-use link and ends every session', async () => {
    const email = 'reset@example.com';
    await signUp(email);
    const signedIn = new PortalBrowser(p.portal.url);
    await logIn(signedIn, email);
    await new PortalBrowser(p.portal.url).submit('/forgot-password', '/forgot-password', { email });
    const link = new URL((await p.mailTo(email, (m) => m.subject.startsWith('Reset'))).links[0]!);
    const browser = new PortalBrowser(p.portal.url);
    const form = await browser.get(link.pathname + link.search);
    expect(form.status).toBe(200);
    const token = link.searchParams.get('token')!;
    // A password against the policy is refused without using the link.
    const weak = await browser.post('/reset-password', { token, password: 'password' });
    expect(weak.status).toBe(400);
    expect(weak.html).toMatch(/aria-describedby="password-hint password-error"/);
    const newPassword = 'a brand new walrus anthem';
    expect((await browser.post('/reset-password', { token, password: newPassword })).status).toBe(
      200,
    );
    expect((await browser.post('/reset-password', { token, password: newPassword })).status).toBe(
      400,
    );
    // The session from before the reset is over; the new password works, the old one not.
    expect((await signedIn.get('/welcome')).status).toBe(303);
    expect((await logIn(new PortalBrowser(p.portal.url), email)).status).toBe(401);
    expect((await logIn(new PortalBrowser(p.portal.url), email, newPassword)).status).toBe(303);
  });

  it('applies the password policy at sign-up, with errors tied to their fields', async () => {
    const browser = new PortalBrowser(p.portal.url);
    const page = await browser.submit('/signup', '/signup', {
      name: 'Alan Turing',
      email: 'not-an-email',
      password: 'alan turing 1912',
    });
    expect(page.status).toBe(400);
    expect(page.html).toContain('aria-describedby="email-error"');
    expect(page.html).toContain('aria-invalid="true"');
    expect(page.html).toContain('must not contain your name');
    expect(page.html).toContain('<a href="#password">');
    // The password is never echoed back.
    expect(page.html).not.toContain('alan turing 1912');
  });

  it('throttles log-in attempts per email with 429 and Retry-After', async () => {
    const email = 'throttled@example.com';
    await signUp(email);
    const statuses: number[] = [];
    let last: PageAnswer | undefined;
    for (let i = 0; i < 5; i += 1) {
      last = await logIn(new PortalBrowser(p.portal.url), email, 'not the password at all');
      statuses.push(last.status);
    }
    expect(statuses).toEqual([401, 401, 401, 401, 429]);
    expect(Number(last!.headers.get('retry-after'))).toBeGreaterThan(0);
    // The right password is refused too while the limit lasts.
    expect((await logIn(new PortalBrowser(p.portal.url), email)).status).toBe(429);
  });
});

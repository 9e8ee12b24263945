import { DeveloperPortalModule } from '../../apps/developer-portal/src/app.module';
import { developerPortalOptions } from '../../apps/developer-portal/src/main';
import { createTestDatabase, type TestDatabase } from '../support/database';
import { baseEnv, startApp, type RunningApp } from '../support/platform';
import { PortalBrowser, type PageAnswer } from './support/browser';

describe('developer-portal: pages, headers, health', () => {
  let db: TestDatabase;
  let portal: RunningApp;

  beforeAll(async () => {
    db = await createTestDatabase('portal_pages');
    portal = await startApp(DeveloperPortalModule, developerPortalOptions, baseEnv(db));
  });
  afterAll(async () => {
    await portal?.close();
    await db?.drop();
  });

  it('serves the home page with the layout, a skip link and a strict CSP', async () => {
    const res = await fetch(`${portal.url}/`);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toMatch(/^text\/html/);
    const csp = res.headers.get('content-security-policy')!;
    expect(csp).toContain("script-src 'self'");
    expect(csp).toContain("frame-ancestors 'none'");
    expect(csp).not.toContain('unsafe-inline');
    expect(res.headers.get('x-content-type-options')).toBe('nosniff');
    expect(res.headers.get('referrer-policy')).toBe('no-referrer');
    expect(res.headers.get('cache-control')).toBe('no-store');
    const html = await res.text();
    expect(html).toContain('<a class="skip-link" href="#main">');
    expect(html).toContain('<main id="main"');
    expect(html).toMatch(/<meta name="csrf-token" content="[^"]+">/);
    expect(html).toContain('href="/signup"');
    // No inline script anywhere.
    expect(html).not.toMatch(/<script(?![^>]*\bsrc=)[^>]*>/);
  });

  it('serves its stylesheet', async () => {
    const res = await fetch(`${portal.url}/assets/portal.css`);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toMatch(/^text\/css/);
    expect(await res.text()).toContain(':focus-visible');
  });

  it('answers its health probes in JSON', async () => {
    const live = await fetch(`${portal.url}/health/live`);
    expect(live.status).toBe(200);
    const ready = await fetch(`${portal.url}/health/ready`);
    expect(ready.status).toBe(200);
    expect(await ready.json()).toMatchObject({ status: 'ok' });
  });

  it('renders an unknown path as a 404 page', async () => {
    const res = await fetch(`${portal.url}/no-such-page`);
    expect(res.status).toBe(404);
    expect(res.headers.get('content-type')).toMatch(/^text\/html/);
    expect(await res.text()).toContain('Page not found');
  });

  it('shows caught mail at /dev/mail when SMTP_URL is unset', async () => {
    const res = await fetch(`${portal.url}/dev/mail`);
    expect(res.status).toBe(200);
    expect(await res.text()).toContain('<h1>Local mail</h1>');
  });

  it('has no /dev/mail when mail really goes out (SMTP_URL set)', async () => {
    const sending = await startApp(
      DeveloperPortalModule,
      developerPortalOptions,
      baseEnv(db, { SMTP_URL: 'smtp://127.0.0.1:9' }),
    );
    try {
      const res = await fetch(`${sending.url}/dev/mail`);
      expect(res.status).toBe(404);
      expect(await (await fetch(`${sending.url}/`)).text()).not.toContain('/dev/mail');
    } finally {
      await sending.close();
    }
  });

  it('throttles sign-ups per client address with 429 and Retry-After', async () => {
    const limited = await startApp(
      DeveloperPortalModule,
      developerPortalOptions,
      baseEnv(db, {
        SIGNUP_LIMIT_PER_ADDRESS: '2',
        ARGON2_MEMORY_KIB: '7168',
        ARGON2_ITERATIONS: '1',
      }),
    );
    try {
      const statuses: number[] = [];
      let last: PageAnswer | undefined;
      for (let i = 0; i < 3; i += 1) {
        const browser = new PortalBrowser(limited.url);
        last = await browser.submit('/signup', '/signup', {
          name: 'Sam Signup',
          email: `throttle${i}@example.com`,
          password: 'seven purple otters juggle quietly',
        });
        statuses.push(last.status);
      }
      expect(statuses).toEqual([200, 200, 429]);
      expect(Number(last!.headers.get('retry-after'))).toBeGreaterThan(0);
      expect(last!.html).toContain('Too many attempts');
    } finally {
      await limited.close();
    }
  });

  it('refuses a POST without a CSRF token', async () => {
    const res = await fetch(`${portal.url}/logout`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: '',
      redirect: 'manual',
    });
    expect(res.status).toBe(403);
    expect(await res.text()).toContain('PORTAL_CSRF_REFUSED');
  });
});

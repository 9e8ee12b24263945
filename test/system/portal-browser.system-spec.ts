/**
 * The developer's journey in a real browser (Debian's Chromium through playwright-core), on the
 * platform as `npm start` runs it: sign up, read the verification mail on the local mail page,
 * verify, see the keys, get a token with them, the first 200 from the activity API (timed from
 * the sign-up form), the test drive (rows, paging, chart, curl, an API refusal beside its
 * field), the reference's try-it with a sandbox token, deliveries (a webhook subscription to a
 * local receiver, a signed test delivery, its log), key rotation with an overlap (both keys
 * work), revocation (the old key and its tokens refused), and a sandbox reset. axe-core runs on
 * every page: no serious or critical violation; the strict CSP refuses nothing the pages do.
 */
import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { type Browser, type BrowserContext, type Locator, type Page } from 'playwright-core';
import { Webhook } from 'standardwebhooks';
import { launchChromium, PageAudit, startPortalStack, type PortalStack } from './portal-harness';

const STEP_MS = 20_000;
const DAY_MS = 86_400_000;

interface Received {
  headers: IncomingHttpHeaders;
  body: string;
}

async function clientCredentials(
  authUrl: string,
  clientId: string,
  secret: string,
  scope = 'banking-activities:read account:read',
): Promise<{ status: number; token?: string }> {
  const res = await fetch(`${authUrl}/oauth2/v1/token`, {
    method: 'POST',
    headers: {
      'content-type': 'application/x-www-form-urlencoded',
      authorization: `Basic ${Buffer.from(`${encodeURIComponent(clientId)}:${encodeURIComponent(secret)}`).toString('base64')}`,
    },
    body: new URLSearchParams({ grant_type: 'client_credentials', scope }).toString(),
  });
  const body = (await res.json()) as { access_token?: string };
  return { status: res.status, token: body.access_token };
}

async function search(activityUrl: string, token: string, body: Record<string, unknown>) {
  return fetch(`${activityUrl}/data-apis/v1/banking-activities`, {
    method: 'POST',
    headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });
}

const lastDays = (days: number) => ({
  startTime: new Date(Date.now() - days * DAY_MS).toISOString(),
  endTime: new Date(Date.now() + 60_000).toISOString(),
});

/** The operation's block in Swagger UI, by method and path. */
const operation = (page: Page, method: string, path: string): Locator =>
  page
    .locator(`.opblock.opblock-${method}`)
    .filter({ has: page.locator(`.opblock-summary-path[data-path="${path}"]`) })
    .first();

/** The page's own getComputedStyle, in functions run there (the type-check has no DOM library). */
declare const getComputedStyle: (element: unknown) => { opacity: string };

describe('developer portal in a browser: sign-up to first call, test drive, reference, deliveries, keys, reset', () => {
  let stack: PortalStack;
  let browser: Browser;
  let context: BrowserContext;
  let page: Page;
  let audit: PageAudit;
  let receiver: Server;
  let receiverUrl: string;
  const received: Received[] = [];
  let portal: string;
  let urls: PortalStack['platform']['urls'];

  // What the journey learns on the way.
  let clientId = '';
  let firstSecret = '';
  let firstToken = '';
  let signUpToFirst200Ms = 0;

  /** Goes to a portal page and audits it. */
  async function visit(path: string): Promise<void> {
    await page.goto(`${portal}${path}`);
    await expectClean(path);
  }

  async function expectClean(label?: string): Promise<void> {
    // After a click, the page may still be loading its stylesheets: audit it as shown.
    await page.waitForLoadState();
    expect({ page: label ?? page.url(), violations: await audit.audit(label) }).toEqual({
      page: label ?? page.url(),
      violations: [],
    });
    expect(audit.cspRefusals).toEqual([]);
    expect(audit.pageErrors).toEqual([]);
  }

  beforeAll(async () => {
    receiver = createServer((req, res) => {
      let body = '';
      req.on('data', (c: Buffer) => (body += c.toString()));
      req.on('end', () => {
        received.push({ headers: req.headers, body });
        res.writeHead(200).end();
      });
    });
    await new Promise<void>((r) => receiver.listen(0, '127.0.0.1', r));
    receiverUrl = `http://127.0.0.1:${(receiver.address() as AddressInfo).port}/webhooks`;
    stack = await startPortalStack('portal_browser');
    portal = stack.portalUrl;
    urls = stack.platform.urls;
    browser = await launchChromium();
    context = await browser.newContext({ viewport: { width: 1300, height: 1000 } });
    page = await context.newPage();
    page.setDefaultTimeout(STEP_MS);
    audit = new PageAudit(page);
  }, 180_000);

  afterAll(async () => {
    await browser?.close();
    await stack?.close();
    await new Promise((r) => receiver?.close(r));
  });

  it('signs up, reads the mail, verifies, sees the keys, and calls the activity API with them', async () => {
    await visit('/');
    await visit('/signup');
    const email = `ada.${Date.now()}@example.com`;
    await page.fill('#name', 'Ada Lovelace');
    await page.fill('#email', email);
    await page.fill('#password', 'correct horse battery staple analytical engine');
    const submitted = Date.now();
    await page.click('main button[type="submit"]');
    await page.waitForLoadState();
    await expectClean('/signup (sent)');

    // The mail goes out in the background (the sign-up page does not wait for SMTP): reloaded
    // until it is there, as a developer would. Read once, it failed when the page came first.
    const link = page
      .locator('article.mail', { hasText: email })
      .locator('a[href*="/verify?token="]');
    const deadline = Date.now() + 30_000;
    await page.goto(`${portal}/dev/mail`);
    while ((await link.count()) === 0 && Date.now() < deadline) {
      await new Promise((r) => setTimeout(r, 250));
      await page.reload();
    }
    await expectClean('/dev/mail');
    const href = (await link.first().getAttribute('href'))!;
    await page.goto(href);
    await expectClean('/verify');
    await page.click('main button[type="submit"]');
    const shared = page.locator('#shared-key');
    await shared.waitFor({ timeout: 90_000 });
    await expectClean('/verify (welcome, keys)');
    clientId = (await shared.innerText()).trim();
    firstSecret = (await page.locator('#secret-key').innerText()).trim();
    expect(clientId).not.toBe('');
    expect(firstSecret.length).toBeGreaterThanOrEqual(32);

    const granted = await clientCredentials(urls.auth, clientId, firstSecret);
    expect(granted.status).toBe(200);
    firstToken = granted.token!;
    const res = await search(urls.activity, firstToken, { ...lastDays(30), pageSize: 10 });
    expect(res.status).toBe(200);
    signUpToFirst200Ms = Date.now() - submitted;
    expect(((await res.json()) as { count: number }).count).toBeGreaterThan(0);
    console.log(
      `sign-up form submitted to the first 200 from the activity API with the new keys: ${(signUpToFirst200Ms / 1000).toFixed(2)} s`,
    );
  }, 180_000);

  it('test drive: a query shows rows, paging, the chart and the curl; a refusal sits beside its field', async () => {
    await visit('/test-drive');
    const from = new Date(Date.now() - 7 * DAY_MS).toISOString().slice(0, 16);
    await page.fill('#from', from);
    await page.fill('#size', '20');
    await page.click('button:has-text("Run the query")');
    await page.waitForLoadState();
    const rows = page.locator('table.results tbody tr');
    expect(await rows.count()).toBe(20);
    await expectClean('/test-drive (7 days)');
    // The chart: an SVG image with its title, bars, and the same numbers as a table.
    const chart = page.locator('figure.chart-figure svg[role="img"]');
    await expect(chart.locator('title').first().textContent()).resolves.toBe(
      'Events per hour by type',
    );
    expect(await chart.locator('rect > title').count()).toBeGreaterThan(0);
    expect(await page.locator('table.chart-table tbody tr').count()).toBeGreaterThan(0);
    const curl = await page.locator('#curl').innerText();
    expect(curl).toContain(`-X POST ${urls.activity}/data-apis/v1/banking-activities`);
    expect(curl).toContain('"Authorization: Bearer $TOKEN"');
    expect(curl).toContain('"pageSize": 20');
    expect(curl).not.toMatch(/eyJ[\w-]+\.[\w-]+\./);
    // The API's own paging, by link.
    const firstPage = await rows.first().innerText();
    await page.click('nav.pager a[rel="next"]');
    await page.waitForLoadState();
    expect(await page.locator('table.results tbody tr').count()).toBeGreaterThan(0);
    expect(await page.locator('table.results tbody tr').first().innerText()).not.toBe(firstPage);
    expect(page.url()).toContain('page=');
    await expectClean('/test-drive (next page)');

    // One user, several event types, and a filter: the shapes as the form builds them.
    await page.goto(
      `${portal}/test-drive?from=${from}&who=fi&event=loginSuccess&event=loginFailure&size=5`,
    );
    const loginIds = await page.locator('table.results tbody tr td:nth-child(4)').allInnerTexts();
    expect(loginIds.length).toBeGreaterThan(0);
    await page.check('#who-users');
    await page.fill('#users', loginIds[0]!);
    await page.click('button:has-text("Run the query")');
    await page.waitForLoadState();
    const users = await page.locator('table.results tbody tr td:nth-child(4)').allInnerTexts();
    expect(new Set(users)).toEqual(new Set([loginIds[0]]));
    expect(await page.locator('#result-title + p').innerText()).toContain(
      'one user, several event types',
    );
    await expectClean('/test-drive (one user)');

    // A page size the API refuses: its message beside the field, the page answered 200.
    const refused = await page.goto(`${portal}/test-drive?from=${from}&size=5000`);
    expect(refused!.status()).toBe(200);
    await expect(page.locator('#size-error').innerText()).resolves.toContain('1 to 1000');
    expect(await page.locator('#size').getAttribute('aria-invalid')).toBe('true');
    await expectClean('/test-drive (refused)');
  }, 120_000);

  it('reference: try-it is authorised with a sandbox token and a search answers 200', async () => {
    await page.goto(`${portal}/reference?api=activity-service`);
    await page
      .locator('#token-status', { hasText: 'authorised with a sandbox token' })
      .waitFor({ timeout: 30_000 });
    const block = operation(page, 'post', '/data-apis/v1/banking-activities');
    await block.waitFor();
    await expectClean('/reference');
    await block.locator('.opblock-summary').first().click();
    await block.locator('button.try-out__btn').click();
    await block.locator('button.execute').click();
    const status = block.locator('.live-responses-table .response .response-col_status').first();
    await status.waitFor();
    await expect(status.innerText()).resolves.toBe('200');
    // Swagger UI's fade of the re-enabled Execute button is off, so the audit sees it as users do.
    const execute = block.locator('button.execute');
    await expect(execute.evaluate((el) => getComputedStyle(el).opacity)).resolves.toBe('1');
    await expectClean('/reference (try-it executed)');

    // The token endpoint: the page's CSRF header and same-origin only; never cached.
    const csrf = (await page.locator('meta[name="csrf-token"]').getAttribute('content'))!;
    const tokenUrl = `${portal}/reference/token`;
    const bare = await context.request.get(tokenUrl, { headers: { accept: 'application/json' } });
    expect(bare.status()).toBe(403);
    const crossSite = await context.request.get(tokenUrl, {
      headers: { accept: 'application/json', 'x-csrf-token': csrf, 'sec-fetch-site': 'cross-site' },
    });
    expect(crossSite.status()).toBe(403);
    const ok = await context.request.get(tokenUrl, {
      headers: { accept: 'application/json', 'x-csrf-token': csrf },
    });
    expect(ok.status()).toBe(200);
    expect(ok.headers()['cache-control']).toBe('no-store');
    const minted = (await ok.json()) as { access_token: string; expires_in: number };
    expect(minted.expires_in).toBeLessThanOrEqual(300);
    const claims = JSON.parse(
      Buffer.from(minted.access_token.split('.')[1]!, 'base64url').toString(),
    );
    expect(claims.client_id).toBe(clientId);
    expect(claims.exp - claims.iat).toBeLessThanOrEqual(300);

    // Downloads.
    const doc = await context.request.get(
      `${portal}/reference/openapi/customer-service.json?download=1`,
    );
    expect(doc.status()).toBe(200);
    expect(doc.headers()['content-disposition']).toContain('customer-service.openapi.json');
    expect((await doc.json()).servers).toEqual([
      { url: urls.customer, description: 'customer-service' },
    ]);
  }, 120_000);

  it('deliveries: a webhook subscription, a signed test delivery, its log', async () => {
    await visit('/deliveries');
    await page.fill('#name', 'My receiver');
    await page.selectOption('#cadence', 'realtime');
    await page.fill('#url', receiverUrl);
    await page.click('button:has-text("Create subscription")');
    const secret = (await page.locator('#webhook-secret').innerText()).trim();
    expect(secret).toMatch(/^whsec_/);
    await expectClean('/deliveries (created)');

    const before = received.length;
    await page.click('button:has-text("Send test delivery")');
    await page.waitForLoadState();
    await expect(page.locator('.notice.ok').innerText()).resolves.toContain('delivered (HTTP 200');
    expect(await page.locator('tr.highlighted td.status-delivered').count()).toBe(1);
    await expectClean('/deliveries (log)');
    const hook = received[before]!;
    const verified = new Webhook(secret).verify(hook.body, {
      'webhook-id': String(hook.headers['webhook-id']),
      'webhook-timestamp': String(hook.headers['webhook-timestamp']),
      'webhook-signature': String(hook.headers['webhook-signature']),
    }) as { type: string };
    expect(verified.type).toBe('subscription.test');
  }, 120_000);

  it('apps: rotate with an overlap (both keys work), create another, revoke (old key and tokens refused)', async () => {
    await visit('/apps');
    const app = page.locator('section.app', {
      has: page.locator(`code.shared-key`, { hasText: clientId }),
    });
    await app.locator('select[name="overlap"]').selectOption('3600');
    await app.locator('button:has-text("Rotate Secret Key")').click();
    const newSecret = (await page.locator('#secret-key').innerText()).trim();
    expect(newSecret).not.toBe(firstSecret);
    await expectClean('/apps (rotated)');
    expect((await clientCredentials(urls.auth, clientId, firstSecret)).status).toBe(200);
    expect((await clientCredentials(urls.auth, clientId, newSecret)).status).toBe(200);

    // A second app, to look at the sandbox after the first is revoked.
    await visit('/apps');
    await page.fill('#name', 'Second app');
    for (const scope of ['banking-activities:read', 'account:read', 'banking-activities:write'])
      await page.check(`#scope-${scope.replace(/:/g, '\\:')}`);
    await page.click('button:has-text("Create app")');
    const secondId = (await page.locator('#shared-key').innerText()).trim();
    const secondSecret = (await page.locator('#secret-key').innerText()).trim();
    await expectClean('/apps (created)');

    await page.goto(`${portal}/apps`);
    await page
      .locator('section.app', { has: page.locator('code.shared-key', { hasText: clientId }) })
      .locator('a:has-text("Revoke this app")')
      .click();
    await expectClean('/apps/revoke');
    await page.click('button:has-text("Revoke the app")');
    await page.waitForLoadState();
    await expectClean('/apps (revoked)');
    const refused = await clientCredentials(urls.auth, clientId, firstSecret);
    expect(refused.status).toBe(401);
    // A token issued before is refused by the activity API within 5 s.
    const deadline = Date.now() + 5_000;
    let status = 200;
    while (Date.now() < deadline && status !== 401) {
      status = (await search(urls.activity, firstToken, { ...lastDays(1), pageSize: 1 })).status;
      if (status !== 401) await new Promise((r) => setTimeout(r, 250));
    }
    expect(status).toBe(401);

    // The test drive goes on with the app that is left.
    await visit('/test-drive');
    expect(await page.locator('#app').count()).toBe(0);
    expect(await page.locator('table.results, .notice').count()).toBeGreaterThan(0);

    // Sandbox reset: an event of our own is gone afterwards, the sample activity is back.
    const write = await clientCredentials(
      urls.auth,
      secondId,
      secondSecret,
      'banking-activities:write',
    );
    const guid = crypto.randomUUID();
    const ingest = await fetch(`${urls.activity}/data-apis/v1/banking-activities/batch`, {
      method: 'POST',
      headers: { authorization: `Bearer ${write.token}`, 'content-type': 'application/json' },
      body: JSON.stringify({
        events: [
          {
            guid,
            eventId: 'loginSuccess',
            timeStamp: new Date().toISOString(),
            userType: 'retail',
            loginId: 'marker-user',
            attributes: { clientId: secondId },
          },
        ],
      }),
    });
    expect(ingest.status).toBe(202);
    const read = (await clientCredentials(urls.auth, secondId, secondSecret)).token!;
    const marker = { ...lastDays(1), userIdType: 'loginId', userId: 'marker-user' };
    expect((await search(urls.activity, read, marker)).status).toBe(200);

    await visit('/sandbox');
    await page.click('a:has-text("Reset the sandbox")');
    await expectClean('/sandbox/reset');
    await page.click('button:has-text("Reset the sandbox")');
    await page.locator('text=has its sample data again').waitFor({ timeout: 90_000 });
    await expectClean('/sandbox/reset (done)');
    expect((await search(urls.activity, read, marker)).status).toBe(204);
    const sample = await search(urls.activity, read, { ...lastDays(30), pageSize: 5 });
    expect(sample.status).toBe(200);
  }, 240_000);

  it('every page visited passed axe-core (no serious or critical violation)', () => {
    expect(audit.visited.length).toBeGreaterThanOrEqual(15);
    expect(audit.failures()).toEqual([]);
    console.log(
      `axe-core: ${audit.visited.length} page states audited: ${audit.visited.map((v) => v.url).join(', ')}`,
    );
    expect(signUpToFirst200Ms).toBeGreaterThan(0);
  });
});

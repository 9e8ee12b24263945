/**
 * The API reference in a real browser (Debian's Chromium, driven by playwright-core; .ci/run
 * installs it): the platform in sandbox mode with the seeded activity, the merged reference
 * (/reference on the auth-server), Authorize with the OAuth 2.0 client-credentials flow (the
 * sandbox app filled in), then Try it out → Execute on registration and on search with their
 * examples. Screenshots go to .tmp-screenshots/ (gitignored).
 */
import { existsSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { chromium, type Browser, type Locator, type Page } from 'playwright-core';
import { startLocalPlatform, type LocalPlatform } from '../../scripts/local-platform';
import { SANDBOX } from '../../scripts/sandbox';
import { seedActivity } from '../../scripts/seed-activity';
import { createTestDatabase, type TestDatabase } from '../support/database';

const CHROMIUM = '/usr/bin/chromium';
const SCREENSHOTS = join(__dirname, '../../.tmp-screenshots');
const STEP_MS = 15_000;

/** The operation's block in Swagger UI, by method and path. */
const operation = (page: Page, method: string, path: string): Locator =>
  page
    .locator(`.opblock.opblock-${method}`)
    .filter({ has: page.locator(`.opblock-summary-path[data-path="${path}"]`) })
    .first();

/** Opens the operation, Try it out (when not already on), Execute; the status shown. */
async function execute(page: Page, block: Locator): Promise<Locator> {
  await block.locator('.opblock-summary').first().click();
  const tryItOut = block.locator('button.try-out__btn');
  if ((await tryItOut.count()) > 0 && (await tryItOut.innerText()).includes('Try it out'))
    await tryItOut.click();
  await block.locator('button.execute').click({ timeout: STEP_MS });
  const status = block.locator('.live-responses-table .response .response-col_status').first();
  await status.waitFor({ timeout: STEP_MS });
  return status;
}

describe('the API reference in a browser (Swagger UI, sandbox mode)', () => {
  let db: TestDatabase;
  let platform: LocalPlatform;
  let browser: Browser;
  let page: Page;

  beforeAll(async () => {
    if (!existsSync(CHROMIUM))
      throw new Error(
        `${CHROMIUM} is not installed: .ci/run installs it (apt-get install chromium)`,
      );
    mkdirSync(SCREENSHOTS, { recursive: true });
    db = await createTestDatabase('reference_browser');
    platform = await startLocalPlatform(db.url);
    await seedActivity({
      databaseUrl: db.url,
      institutionId: SANDBOX.institutionId,
      events: 3_000,
    });
    browser = await chromium.launch({
      executablePath: CHROMIUM,
      args: [
        '--headless',
        '--no-sandbox',
        '--disable-gpu',
        '--disable-background-networking',
        '--disable-component-update',
        '--disable-sync',
        '--no-first-run',
        '--disable-quic',
      ],
      timeout: 30_000,
    });
    page = await browser.newPage({ viewport: { width: 1400, height: 1000 } });
    page.setDefaultTimeout(STEP_MS);
  }, 120_000);
  afterAll(async () => {
    await browser?.close();
    await platform?.close();
    await db?.drop();
  });

  it('Authorize (client credentials), then registration answers 201 and search 200', async () => {
    await page.goto(`${platform.urls.auth}/reference`, { timeout: 30_000 });
    // The merged reference lists every service's operations.
    await operation(page, 'post', '/customers/v2/registrations').waitFor();
    await operation(page, 'post', '/data-apis/v1/banking-activities').waitFor();

    // Authorize: the app scheme (OAuth 2.0 client credentials), the sandbox app filled in.
    await page.locator('.scheme-container button.authorize').click();
    const dialog = page.locator('.dialog-ux .modal-ux');
    await dialog.waitFor();
    const app = dialog.locator('.auth-container').filter({ hasText: 'clientCredentials' }).first();
    await expectValue(app.locator('input#client_id_clientCredentials'), SANDBOX.clientId);
    await app.locator('button.authorize').click();
    await app.locator('button', { hasText: 'Logout' }).waitFor();
    await expect_(app.locator('h6', { hasText: 'Authorized' }).count()).resolves.toBe(1);
    // The token Swagger UI got from the token endpoint: a JWT of the sandbox app.
    const token = await page.evaluate(() => {
      const ui = (
        globalThis as unknown as {
          ui: {
            authSelectors: {
              authorized(): { toJS(): Record<string, { token?: { access_token?: string } }> };
            };
          };
        }
      ).ui;
      return ui.authSelectors.authorized().toJS().app?.token?.access_token;
    });
    const claims = JSON.parse(Buffer.from(token!.split('.')[1]!, 'base64url').toString()) as Record<
      string,
      unknown
    >;
    expect(claims).toMatchObject({
      client_id: SANDBOX.clientId,
      institution_id: SANDBOX.institutionId,
    });
    await page.screenshot({ path: join(SCREENSHOTS, '1-authorize-token.png') });
    await dialog.locator('button.btn-done, button.close-modal').first().click();

    // Registration with its example body (a fresh loginId on every load of the reference).
    const registration = operation(page, 'post', '/customers/v2/registrations');
    const registered = await execute(page, registration);
    await expect_(registered.innerText()).resolves.toBe('201');
    await registration.locator('.live-responses-table').scrollIntoViewIfNeeded();
    await page.screenshot({ path: join(SCREENSHOTS, '2-registration-201.png') });
    const registrationBody = await registration
      .locator('.live-responses-table .response-col_description pre')
      .first()
      .innerText();
    expect(JSON.parse(registrationBody)).toMatchObject({ customerId: expect.any(String) });

    // Search with its example body (a window relative to now) on the seeded activity.
    const search = operation(page, 'post', '/data-apis/v1/banking-activities');
    const searched = await execute(page, search);
    await expect_(searched.innerText()).resolves.toBe('200');
    await search.locator('.live-responses-table').scrollIntoViewIfNeeded();
    await page.screenshot({ path: join(SCREENSHOTS, '3-search-200.png') });
    const searchBody = await search
      .locator('.live-responses-table .response-col_description pre')
      .first()
      .innerText();
    expect(JSON.parse(searchBody).count).toBeGreaterThan(0);
  }, 120_000);
});

const expect_ = <T>(p: Promise<T>) => expect(p);

async function expectValue(input: Locator, value: string): Promise<void> {
  await input.waitFor();
  expect(await input.inputValue()).toBe(value);
}

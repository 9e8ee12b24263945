/**
 * The portal browser tests' own checks, proved on pages made for it: axe-core runs under a
 * strict CSP (no 'unsafe-inline', no 'unsafe-eval') and finds what it must, and a script the
 * CSP refuses is reported. Without this, a harness that silently found nothing would pass.
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Browser, Page } from 'playwright-core';
import { launchChromium, PageAudit } from './portal-harness';

const CSP =
  "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; object-src 'none'; base-uri 'none'; frame-ancestors 'none'";

const PAGES: Record<string, string> = {
  '/good': `<!doctype html><html lang="en"><head><title>Good</title></head><body>
    <main><h1>Fine</h1><form><label for="q">Query</label><input id="q" name="q">
    <button type="submit">Go</button></form></main></body></html>`,
  '/bad': `<!doctype html><html lang="en"><head><title>Bad</title></head><body>
    <main><h1>Not fine</h1><form><input name="q"><button type="submit"></button></form>
    <img src="/pixel.png"><script>document.title = 'inline ran'</script></main></body></html>`,
};

describe('portal browser harness (axe-core and CSP under a strict policy)', () => {
  let server: Server;
  let base: string;
  let browser: Browser;
  let page: Page;
  let audit: PageAudit;

  beforeAll(async () => {
    server = createServer((req, res) => {
      const body = PAGES[req.url ?? ''];
      if (!body) return void res.writeHead(404).end();
      res.writeHead(200, {
        'content-type': 'text/html; charset=utf-8',
        'content-security-policy': CSP,
      });
      res.end(body);
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    browser = await launchChromium();
    page = await browser.newPage();
    audit = new PageAudit(page);
  }, 60_000);
  afterAll(async () => {
    await browser?.close();
    await new Promise((r) => server?.close(r));
  });

  it('a clean page passes', async () => {
    await page.goto(`${base}/good`);
    expect(await audit.audit()).toEqual([]);
    expect(audit.cspRefusals).toEqual([]);
  });

  it('finds unlabelled fields, empty buttons and images without alt, and the refused inline script', async () => {
    await page.goto(`${base}/bad`);
    const found = await audit.audit();
    expect(found.join('\n')).toMatch(/critical label:/);
    expect(found.join('\n')).toMatch(/critical button-name:/);
    expect(found.join('\n')).toMatch(/critical image-alt:/);
    expect(await page.title()).toBe('Bad');
    expect(audit.cspRefusals.join('\n')).toMatch(
      /inline script violates the following Content Security Policy/,
    );
    expect(audit.failures().every((line) => line.startsWith('/bad: '))).toBe(true);
  });
});

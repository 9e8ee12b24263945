/**
 * What the developer portal's browser tests share: Debian's Chromium through playwright-core,
 * axe-core run on every page visited (no serious or critical violations), and a watch on the
 * console for Content-Security-Policy refusals (the pages must work under the strict CSP, so a
 * refused script or style is a failure, not noise).
 */
import { existsSync, readFileSync } from 'node:fs';
import { chromium, type Browser, type Page } from 'playwright-core';
import { startLocalPlatform, type LocalPlatform } from '../../scripts/local-platform';
import { createTestDatabase, type TestDatabase } from '../support/database';

export const CHROMIUM = '/usr/bin/chromium';

export const CHROMIUM_ARGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--no-first-run',
];

export async function launchChromium(): Promise<Browser> {
  if (!existsSync(CHROMIUM))
    throw new Error(`${CHROMIUM} is not installed: .ci/run installs it (apt-get install chromium)`);
  return chromium.launch({ executablePath: CHROMIUM, args: CHROMIUM_ARGS, timeout: 30_000 });
}

const AXE_SOURCE = readFileSync(require.resolve('axe-core/axe.min.js'), 'utf8');

export interface AxeViolation {
  id: string;
  impact: string | null;
  help: string;
  nodes: { target: string[]; failureSummary?: string }[];
}

/** Impacts that fail a page. */
const BLOCKING = new Set(['serious', 'critical']);

/**
 * axe-core on the page as it is now (WCAG 2.x A and AA, and best practices). It is evaluated
 * through the DevTools protocol, which the page's CSP does not govern, so the CSP stays as
 * strict as it is served.
 */
export async function axeViolations(page: Page): Promise<AxeViolation[]> {
  const loaded = await page.evaluate('typeof window.axe === "object"');
  if (!loaded) await page.evaluate(AXE_SOURCE);
  const result = (await page.evaluate(`window.axe.run(document, {
    runOnly: { type: 'tag', values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa', 'wcag22aa', 'best-practice'] },
    resultTypes: ['violations'],
  }).then((r) => r.violations.map((v) => ({
    id: v.id, impact: v.impact, help: v.help,
    nodes: v.nodes.slice(0, 40).map((n) => ({ target: n.target, failureSummary: n.failureSummary })),
  })))`)) as AxeViolation[];
  return result;
}

/** Serious and critical violations, as lines a failing assertion can show. */
export function blocking(violations: AxeViolation[]): string[] {
  return violations
    .filter((v) => v.impact !== null && BLOCKING.has(v.impact))
    .map(
      (v) =>
        `${v.impact} ${v.id}: ${v.help} at ${v.nodes.map((n) => n.target.join(' ')).join(', ')}`,
    );
}

/**
 * Every page a test visits, with what axe found there; `check` asserts none is serious or
 * critical. Also collects the console's CSP refusals and the page's uncaught errors.
 */
export class PageAudit {
  readonly visited: { url: string; title: string; violations: AxeViolation[] }[] = [];
  readonly cspRefusals: string[] = [];
  readonly pageErrors: string[] = [];

  constructor(readonly page: Page) {
    page.on('console', (msg) => {
      const text = msg.text();
      if (/Content Security Policy|Refused to (execute|load|apply|connect|frame)/i.test(text))
        this.cspRefusals.push(`${page.url()}: ${text}`);
    });
    page.on('pageerror', (err) => this.pageErrors.push(`${page.url()}: ${err.message}`));
  }

  /** Runs axe on the page as it is now and records it; returns the blocking violations. */
  async audit(label?: string): Promise<string[]> {
    const violations = await axeViolations(this.page);
    this.visited.push({
      url: label ?? new URL(this.page.url()).pathname,
      title: await this.page.title(),
      violations,
    });
    return blocking(violations);
  }

  /** Pages with serious or critical violations, each with what was found. */
  failures(): string[] {
    return this.visited.flatMap((v) => blocking(v.violations).map((line) => `${v.url}: ${line}`));
  }
}

export interface PortalStack {
  db: TestDatabase;
  platform: LocalPlatform;
  portalUrl: string;
  close(): Promise<void>;
}

/**
 * What `npm start` runs, in this process (scripts/local-platform.ts): the three services in
 * sandbox mode (CORS for loopback origins; webhooks to this machine allowed here) and the
 * developer portal with its own mail catcher, on one fresh database, all on 127.0.0.1.
 */
export async function startPortalStack(label: string): Promise<PortalStack> {
  const db = await createTestDatabase(label);
  try {
    const platform = await startLocalPlatform(db.url, { DELIVERY_ALLOW_PRIVATE_TARGETS: 'true' });
    return {
      db,
      platform,
      portalUrl: platform.urls.portal,
      close: async () => {
        await platform.close();
        await db.drop();
      },
    };
  } catch (err) {
    await db.drop();
    throw err;
  }
}

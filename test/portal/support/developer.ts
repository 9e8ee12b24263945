import { expect } from '@jest/globals';
import { postForm, type Credentials } from '../../support/platform';
import { PortalBrowser, textById } from './browser';
import type { PortalPlatform } from './portal';

export const PASSWORD = 'seven purple otters juggle quietly';

export interface ProvisionedDeveloper {
  browser: PortalBrowser;
  email: string;
  institutionId: string;
  /** The first app's keys, as the welcome page showed them (once). */
  first: Credentials;
  /** The welcome page's HTML. */
  welcomeHtml: string;
}

/** Signs up, reads the mail, verifies: a developer with a provisioned sandbox, signed in. */
export async function provisionedDeveloper(
  p: PortalPlatform,
  email: string,
  name = 'Ada Lovelace',
): Promise<ProvisionedDeveloper> {
  const browser = new PortalBrowser(p.portal.url);
  const signup = await browser.submit('/signup', '/signup', { name, email, password: PASSWORD });
  expect(signup.status).toBe(200);
  const link = new URL((await p.mailTo(email, (m) => m.subject.startsWith('Verify'))).links[0]!);
  expect((await browser.get(link.pathname + link.search)).status).toBe(200);
  const welcome = await browser.post('/verify', { token: link.searchParams.get('token')! });
  expect(welcome.status).toBe(200);
  return {
    browser,
    email,
    institutionId: textById(welcome.html, 'institution-id')!,
    first: {
      clientId: textById(welcome.html, 'shared-key')!,
      clientSecret: textById(welcome.html, 'secret-key')!,
    },
    welcomeHtml: welcome.html,
  };
}

/** The status of a client_credentials token request with these keys (and the token when 200). */
export async function tokenWith(
  p: PortalPlatform,
  client: Credentials,
  scope?: string,
): Promise<{ status: number; token?: string; scope?: string }> {
  const res = await postForm(
    `${p.auth.url}/oauth2/v1/token`,
    { grant_type: 'client_credentials', ...(scope ? { scope } : {}) },
    { basic: client },
  );
  return {
    status: res.status,
    token: res.body.access_token as string | undefined,
    scope: res.body.scope as string | undefined,
  };
}

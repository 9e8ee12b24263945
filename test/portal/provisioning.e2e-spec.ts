import { PortalBrowser, textById } from './support/browser';
import { PASSWORD, tokenWith } from './support/developer';
import { startPortalPlatform, type PortalPlatform } from './support/portal';

describe('developer-portal: provisioning that fails half-way finishes on retry', () => {
  let p: PortalPlatform;

  beforeAll(async () => {
    // The customer- and activity-service are down when the developer verifies.
    p = await startPortalPlatform('portal_provisioning', {}, { deferServices: true });
  });
  afterAll(async () => {
    await p?.close();
  });

  it('says what stopped, keeps what was done, and shows the keys once when a retry completes', async () => {
    const email = 'dana@example.com';
    const browser = new PortalBrowser(p.portal.url);
    const signup = await browser.submit('/signup', '/signup', {
      name: 'Dana Ng',
      email,
      password: PASSWORD,
    });
    expect(signup.status).toBe(200);
    const link = new URL((await p.mailTo(email)).links[0]!);
    await browser.get(link.pathname + link.search);
    const failed = await browser.post('/verify', { token: link.searchParams.get('token')! });
    expect(failed.status).toBe(503);
    expect(failed.html).toContain('Setting up your sandbox stopped');
    expect(failed.html).toContain('could not be reached');
    expect(failed.html).toContain('action="/welcome"');
    // The developer is signed in and verified; the first app exists already, its secret not shown.
    const { rows } = await p.sql.query<{
      first_client_id: string | null;
      customers_seeded_at: Date | null;
      provisioned_at: Date | null;
      last_error: string | null;
    }>(
      `SELECT first_client_id, customers_seeded_at, provisioned_at, last_error FROM portal.organizations`,
    );
    expect(rows).toHaveLength(1);
    expect(rows[0]!.first_client_id).not.toBeNull();
    expect(rows[0]!.customers_seeded_at).toBeNull();
    expect(rows[0]!.provisioned_at).toBeNull();
    expect(rows[0]!.last_error).toContain('could not be reached');
    // Pages that need the sandbox send the developer to finish it.
    const apps = await browser.get('/apps');
    expect(apps.status).toBe(303);
    expect(apps.location).toBe('/welcome');
    const welcome = await browser.get('/welcome');
    expect(welcome.status).toBe(200);
    expect(welcome.html).toContain('Try again');

    await p.startServices();
    const done = await browser.post('/welcome');
    expect(done.status).toBe(200);
    const clientId = textById(done.html, 'shared-key')!;
    const clientSecret = textById(done.html, 'secret-key')!;
    expect(clientId).toBe(rows[0]!.first_client_id);
    expect((await tokenWith(p, { clientId, clientSecret })).status).toBe(200);
    // One app only: the retry adopted the first one rather than making another.
    await browser.get('/apps');
    const list = await browser.get('/apps');
    expect(list.status).toBe(200);
    expect(list.html.match(/class="shared-key"/g)).toHaveLength(1);
    expect(list.html).not.toContain(clientSecret);
    // Done is done: the welcome page goes on to the apps, and shows no secret again.
    const again = await browser.get('/welcome');
    expect(again.status).toBe(303);
    await browser.get('/apps');
    const replay = await browser.post('/welcome');
    expect(replay.status).toBe(200);
    expect(replay.html).not.toContain(clientSecret);
    expect(textById(replay.html, 'secret-key')).toBeUndefined();
  });
});

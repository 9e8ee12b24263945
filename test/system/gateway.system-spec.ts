import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { request } from 'node:http';
import {
  chmodSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort } from '../../scripts/embedded-postgres';
import {
  openApiDocuments,
  startLocalPlatform,
  type LocalPlatform,
} from '../../scripts/local-platform';
import { SANDBOX } from '../../scripts/sandbox';
import { createTestDatabase, type TestDatabase } from '../support/database';

const TEMPLATE = readFileSync(
  join(__dirname, '../../deploy/gateway/default.conf.template'),
  'utf8',
);
const NGINX = ['/usr/sbin/nginx', '/usr/bin/nginx', '/usr/local/sbin/nginx'].find((p) =>
  existsSync(p),
);

/**
 * Routes for the services only (docs/internal-apis.md), health, metrics and docs: never routed.
 * Exact paths, and prefixes ending in `/` or `*`.
 */
const INTERNAL = [
  '/oauth2/v1/revocations',
  '/internal/*',
  '/health',
  '/health/*',
  '/metrics',
  '/metrics/*',
  '/docs',
  '/docs*',
];
const isInternal = (path: string) =>
  INTERNAL.some((p) => (p.endsWith('*') ? path.startsWith(p.slice(0, -1)) : path === p));

/** A request with its path sent exactly as written (fetch would normalise dots and escapes). */
function rawRequest(
  base: string,
  method: string,
  path: string,
  headers: Record<string, string> = {},
): Promise<number> {
  const { hostname, port } = new URL(base);
  return new Promise((resolve, reject) => {
    const req = request({ hostname, port, method, path, headers }, (res) => {
      res.resume();
      res.on('end', () => resolve(res.statusCode!));
    });
    req.on('error', reject);
    req.end();
  });
}

/** Renders the template as the nginx image does (envsubst of the variables it is given). */
const render = (vars: Record<string, string>) =>
  TEMPLATE.replace(/\$\{([A-Z0-9_]+)\}/g, (_m, name: string) => vars[name] ?? `\${${name}}`);

/** The upstream a path reaches: nginx's longest matching prefix (exact `=` locations first). */
function upstreamFor(path: string): string | undefined {
  const locations = [...TEMPLATE.matchAll(/location\s+(=\s*)?(\S+)\s*\{([^}]*)\}/g)].map((m) => ({
    exact: !!m[1],
    prefix: m[2]!,
    upstream: /proxy_pass http:\/\/(\w+)/.exec(m[3]!)?.[1],
  }));
  const exact = locations.find((l) => l.exact && l.prefix === path);
  if (exact) return exact.upstream;
  const match = locations
    .filter((l) => !l.exact && path.startsWith(l.prefix))
    .sort((a, b) => b.prefix.length - a.prefix.length)[0];
  return match?.upstream;
}

describe('API gateway (the nginx configuration of docker-compose, run by nginx on loopback)', () => {
  let db: TestDatabase;
  let platform: LocalPlatform;
  let nginx: ChildProcess;
  let gateway: string;

  beforeAll(async () => {
    if (!NGINX)
      throw new Error('nginx is not installed: .ci/run installs it (apt-get install nginx-light)');
    db = await createTestDatabase('gateway');
    const port = await freePort();
    gateway = `http://127.0.0.1:${port}`;
    // The portal's pages are served under the gateway's /portal/.
    platform = await startLocalPlatform(db.url, { PORTAL_PUBLIC_URL: `${gateway}/portal` });
    const dir = mkdtempSync(join(tmpdir(), 'gateway-'));
    chmodSync(dir, 0o755);
    for (const sub of ['body', 'proxy', 'fastcgi', 'uwsgi', 'scgi']) {
      mkdirSync(join(dir, sub));
      chmodSync(join(dir, sub), 0o777);
    }
    const hostPort = (url: string) => url.replace('http://', '');
    writeFileSync(
      join(dir, 'default.conf'),
      render({
        GATEWAY_PORT: `127.0.0.1:${port}`,
        // One instance each here (test/system/replicas.system-spec.ts runs two): both servers
        // of each upstream name it.
        AUTH_UPSTREAM: hostPort(platform.urls.auth),
        AUTH_UPSTREAM_2: hostPort(platform.urls.auth),
        CUSTOMER_UPSTREAM: hostPort(platform.urls.customer),
        CUSTOMER_UPSTREAM_2: hostPort(platform.urls.customer),
        ACTIVITY_UPSTREAM: hostPort(platform.urls.activity),
        ACTIVITY_UPSTREAM_2: hostPort(platform.urls.activity),
        PORTAL_UPSTREAM: hostPort(platform.urls.portal),
        PORTAL_UPSTREAM_2: hostPort(platform.urls.portal),
      }),
    );
    writeFileSync(
      join(dir, 'nginx.conf'),
      [
        'daemon off;',
        'worker_processes 1;',
        `pid ${dir}/nginx.pid;`,
        `error_log ${dir}/error.log warn;`,
        'events { worker_connections 256; }',
        'http {',
        '  access_log off;',
        ...['body', 'proxy', 'fastcgi', 'uwsgi', 'scgi'].map(
          (t) => `  ${t === 'body' ? 'client_body' : t}_temp_path ${dir}/${t};`,
        ),
        `  include ${dir}/default.conf;`,
        '}',
      ].join('\n'),
    );
    const check = spawnSync(NGINX, ['-t', '-c', join(dir, 'nginx.conf'), '-p', dir], {
      encoding: 'utf8',
    });
    if (check.status !== 0) throw new Error(`nginx refused the configuration:\n${check.stderr}`);
    nginx = spawn(NGINX, ['-c', join(dir, 'nginx.conf'), '-p', dir], { stdio: 'ignore' });
    for (let i = 0; i < 100; i++) {
      try {
        if ((await fetch(`${gateway}/health`)).ok) break;
      } catch {
        await new Promise((r) => setTimeout(r, 100));
      }
    }
  });
  afterAll(async () => {
    if (nginx && nginx.exitCode === null) {
      nginx.kill('SIGQUIT');
      await new Promise((r) => nginx.once('exit', r));
    }
    await platform?.close();
    await db?.drop();
  });

  it('routes every public path of the three OpenAPI documents to the service that serves it, and nothing internal', async () => {
    const docs = await openApiDocuments(platform);
    const expected = {
      auth: 'auth_server',
      customer: 'customer_service',
      activity: 'activity_service',
    } as const;
    const wrong: string[] = [];
    for (const [service, doc] of Object.entries(docs) as [
      keyof typeof expected,
      (typeof docs)['auth'],
    ][]) {
      for (const path of Object.keys(doc.paths)) {
        const internal = isInternal(path);
        const upstream = upstreamFor(path.replace(/\{[^}]+\}/g, 'x'));
        if (internal ? upstream !== undefined : upstream !== expected[service])
          wrong.push(`${service} ${path} -> ${upstream ?? 'nothing'}`);
      }
    }
    expect(wrong).toEqual([]);
  });

  it('carries the whole flow: token, discovery, registration, customer login, profile, activity search', async () => {
    const basic = `Basic ${Buffer.from(`${SANDBOX.clientId}:${SANDBOX.clientSecret}`).toString('base64')}`;
    const form = (body: Record<string, string>) => ({
      method: 'POST',
      headers: { authorization: basic, 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams(body).toString(),
    });
    const token = await fetch(
      `${gateway}/oauth2/v1/token`,
      form({ grant_type: 'client_credentials' }),
    );
    expect(token.status).toBe(200);
    const { access_token: appToken } = (await token.json()) as { access_token: string };

    const metadata = await fetch(`${gateway}/.well-known/oauth-authorization-server`);
    expect(metadata.status).toBe(200);
    expect(
      ((await (await fetch(`${gateway}/.well-known/jwks.json`)).json()) as { keys: unknown[] }).keys
        .length,
    ).toBeGreaterThan(0);

    const loginId = `gw${Date.now().toString(36)}`;
    const registration = await fetch(`${gateway}/customers/v2/registrations`, {
      method: 'POST',
      headers: { authorization: `Bearer ${appToken}`, 'content-type': 'application/json' },
      body: JSON.stringify({
        loginId,
        password: 'violet tractor sings at dawn',
        userType: 'RETAIL',
        person: {
          firstName: 'Ada',
          lastName: 'Walker',
          birthDate: '1990-04-12',
          ssn: '536-22-4785',
          emailAddress: 'ada@example.com',
          phoneNumber: '(202) 555-0143',
          postalAddress: {
            address1: '100 Main Street',
            city: 'Springfield',
            state: 'IL',
            postalCode: '62701',
            country: 'US',
          },
        },
      }),
    });
    expect(registration.status).toBe(201);
    const { customerId } = (await registration.json()) as { customerId: string };

    const login = await fetch(
      `${gateway}/oauth2/v1/token`,
      form({
        grant_type: 'password',
        username: loginId,
        password: 'violet tractor sings at dawn',
        scope: 'profile:read',
      }),
    );
    expect(login.status).toBe(200);
    const { access_token: customerToken } = (await login.json()) as { access_token: string };
    const me = await fetch(`${gateway}/customers/v2/customers/me`, {
      headers: { authorization: `Bearer ${customerToken}` },
    });
    expect(me.status).toBe(200);
    expect(((await me.json()) as { customerId: string }).customerId).toBe(customerId);

    const search = await fetch(`${gateway}/data-apis/v1/banking-activities`, {
      method: 'POST',
      headers: { authorization: `Bearer ${appToken}`, 'content-type': 'application/json' },
      body: JSON.stringify({
        startTime: new Date(Date.now() - 3_600_000).toISOString(),
        endTime: new Date(Date.now() + 60_000).toISOString(),
        userIdType: 'customerId',
        userId: customerId,
      }),
    });
    expect([200, 204]).toContain(search.status);
  });

  it('passes the caller transactionId through to the service and back', async () => {
    const id = '6c1f7f5e-3d7b-4b8a-9f0e-2a4b6c8d0e1f';
    const res = await fetch(`${gateway}/oauth2/v1/keys`, { headers: { transactionId: id } });
    expect(res.status).toBe(200);
    expect(res.headers.get('transactionid')).toBe(id);
  });

  it('keeps internal routes inside: the revocation feed even with a token that may read it, /internal, /metrics, health, docs', async () => {
    // A token with the feed's scope: the feed answers it directly, and the gateway still must not.
    const tokenRes = await fetch(`${platform.urls.auth}/oauth2/v1/token`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({
        grant_type: 'client_credentials',
        client_id: 'activity-service',
        client_secret: platform.env.ACTIVITY_SERVICE_CLIENT_SECRET!,
        scope: 'internal:revocations:read',
      }).toString(),
    });
    expect(tokenRes.status).toBe(200);
    const { access_token: feedToken } = (await tokenRes.json()) as { access_token: string };
    const since = encodeURIComponent(new Date(Date.now() - 60_000).toISOString());
    const bearer = { authorization: `Bearer ${feedToken}` };
    expect(
      await rawRequest(platform.urls.auth, 'GET', `/oauth2/v1/revocations?since=${since}`, bearer),
    ).toBe(200);

    const inside: [string, string][] = [
      ['GET', `/oauth2/v1/revocations?since=${since}`],
      ['GET', '/oauth2/v1/revocations'],
      ['GET', '/oauth2/v1/revocations/'],
      ['GET', `/oauth2/v1//revocations?since=${since}`],
      ['GET', `/oauth2/v1/token/../revocations?since=${since}`],
      ['GET', `/oauth2/v1/%72evocations?since=${since}`],
      ['GET', `/oauth2//v1/revocations?since=${since}`],
      ['GET', `/OAUTH2/v1/revocations?since=${since}`],
      ['POST', '/internal/v1/credentials/verify'],
      ['POST', '/customers/../internal/v1/credentials/verify'],
      // The developer portal's sandbox routes, on both services that have them.
      ['POST', '/internal/v1/sandbox/institutions/sbx-gateway/seed'],
      ['DELETE', '/internal/v1/sandbox/institutions/sbx-gateway'],
      ['POST', '/data-apis/../internal/v1/sandbox/institutions/sbx-gateway/seed'],
      ['DELETE', '/customers/../internal/v1/sandbox/institutions/sbx-gateway'],
      [
        'DELETE',
        '/data-apis/v1/banking-activities/../../../internal/v1/sandbox/institutions/sbx-gateway',
      ],
      ['GET', '/metrics'],
      ['GET', '/health/live'],
      ['GET', '/health/ready'],
      ['GET', '/docs'],
      ['GET', '/docs-json'],
    ];
    const answered: string[] = [];
    for (const [method, path] of inside) {
      const status = await rawRequest(gateway, method, path, bearer);
      if (status !== 404) answered.push(`${method} ${path} -> ${status}`);
    }
    expect(answered).toEqual([]);
  });

  it('serves the developer portal under /portal/ with its links there, and keeps its internal paths inside', async () => {
    const bare = await fetch(`${gateway}/portal`, { redirect: 'manual' });
    expect(bare.status).toBe(301);
    expect(bare.headers.get('location')).toMatch(/\/portal\/$/);
    const home = await fetch(`${gateway}/portal/`);
    expect(home.status).toBe(200);
    const html = await home.text();
    expect(html).toContain('href="/portal/signup"');
    expect(html).toContain('href="/portal/assets/portal.css"');
    expect((await fetch(`${gateway}/portal/assets/portal.css`)).status).toBe(200);
    expect((await fetch(`${gateway}/portal/login`)).status).toBe(200);
    const apps = await fetch(`${gateway}/portal/apps`, { redirect: 'manual' });
    expect(apps.status).toBe(303);
    expect(apps.headers.get('location')).toBe('/portal/login?next=%2Fapps');
    for (const path of [
      '/portal/health/live',
      '/portal/health/ready',
      '/portal/metrics',
      '/portal/dev/mail',
      '/portal/internal/anything',
    ]) {
      expect({ path, status: await rawRequest(gateway, 'GET', path) }).toEqual({
        path,
        status: 404,
      });
    }
  });
});

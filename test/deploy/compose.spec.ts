import { randomBytes } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { loadEnv } from '@app/common';
import { parse } from 'yaml';
import { ActivityEnv } from '../../apps/activity-service/src/config/activity.env';
import { AuthEnv } from '../../apps/auth-server/src/config/auth.env';
import { CustomerEnv } from '../../apps/customer-service/src/config/customer.env';
import { PortalEnv } from '../../apps/developer-portal/src/config/portal.env';

const ROOT = join(__dirname, '../..');
const read = (file: string) => readFileSync(join(ROOT, file), 'utf8');

interface ComposeService {
  build?: { context: string; dockerfile: string; args?: Record<string, string> };
  image?: string;
  environment?: Record<string, string>;
  depends_on?: Record<string, { condition: string }>;
  expose?: string[];
  ports?: string[];
  healthcheck?: { test: string[] };
  volumes?: string[];
  deploy?: { replicas?: number };
  profiles?: string[];
}

const compose = parse(read('docker-compose.yml'), { merge: true }) as {
  name: string;
  services: Record<string, ComposeService & { networks?: { default?: { ipv4_address?: string } } }>;
  networks: { default: { ipam: { config: { subnet: string; ip_range?: string }[] } } };
};
const services = compose.services;
const APPS: Record<string, { portEnv: string; port: string }> = {
  'auth-server': { portEnv: 'AUTH_PORT', port: '3001' },
  'customer-service': { portEnv: 'CUSTOMER_PORT', port: '3002' },
  'activity-service': { portEnv: 'ACTIVITY_PORT', port: '3003' },
  'developer-portal': { portEnv: 'PORTAL_PORT', port: '3004' },
};

/** `${VAR:-default}` / `${VAR:?msg}` / `${VAR}` references in a text. */
const variables = (text: string) =>
  [...text.matchAll(/\$\{([A-Z0-9_]+)(?::[-?][^}]*)?\}/g)].map((m) => m[1]!);

describe('docker-compose.yml', () => {
  it('has PostgreSQL, the three services, the developer portal and a gateway, each depending only on services that exist', () => {
    expect(Object.keys(services).sort()).toEqual([
      'activity-service',
      'auth-server',
      'customer-service',
      'developer-portal',
      'gateway',
      'grafana',
      'postgres',
      'prometheus',
    ]);
    for (const [name, service] of Object.entries(services)) {
      for (const dependency of Object.keys(service.depends_on ?? {})) {
        expect({ name, dependency, exists: dependency in services }).toEqual({
          name,
          dependency,
          exists: true,
        });
      }
    }
  });

  it('builds each service from the Dockerfile with its own app, on its own port, after a healthy database', () => {
    for (const [app, { portEnv, port }] of Object.entries(APPS)) {
      const s = services[app]!;
      expect(s.build).toMatchObject({ context: '.', dockerfile: 'Dockerfile', args: { APP: app } });
      expect(existsSync(join(ROOT, 'apps', app, 'src/main.ts'))).toBe(true);
      expect(s.environment?.[portEnv]).toBe(port);
      // The image's HEALTHCHECK probes $PORT: it must be the service's port.
      expect(s.environment?.PORT).toBe(port);
      expect(s.expose).toEqual([port]);
      expect(s.depends_on?.postgres).toEqual({ condition: 'service_healthy' });
      expect(s.environment?.DATABASE_URL).toMatch(/^postgres:\/\/.+@postgres:5432\//);
    }
  });

  it('runs two replicas of each service, none publishing a port of its own (only the gateway does)', () => {
    for (const app of Object.keys(APPS)) {
      expect({ app, replicas: services[app]!.deploy?.replicas }).toEqual({ app, replicas: 2 });
      expect(services[app]!.ports).toBeUndefined();
    }
    expect(services.postgres!.deploy?.replicas ?? 1).toBe(1);
    expect(services.gateway!.deploy?.replicas ?? 1).toBe(1);
  });

  it('routes the gateway to the services by name and port, and waits for them to be healthy', () => {
    const gateway = services.gateway!;
    // Compose names replica n of a service <project>-<service>-<n>.
    const replica = (app: string, n: number) => `${compose.name}-${app}-${n}:${APPS[app]!.port}`;
    expect(gateway.environment).toMatchObject({
      AUTH_UPSTREAM: replica('auth-server', 1),
      AUTH_UPSTREAM_2: replica('auth-server', 2),
      CUSTOMER_UPSTREAM: replica('customer-service', 1),
      CUSTOMER_UPSTREAM_2: replica('customer-service', 2),
      ACTIVITY_UPSTREAM: replica('activity-service', 1),
      ACTIVITY_UPSTREAM_2: replica('activity-service', 2),
      PORTAL_UPSTREAM: replica('developer-portal', 1),
      PORTAL_UPSTREAM_2: replica('developer-portal', 2),
    });
    for (const app of Object.keys(APPS))
      expect(gateway.depends_on?.[app]).toEqual({ condition: 'service_healthy' });
    expect(gateway.healthcheck?.test.join(' ')).toContain(
      `:${gateway.environment!.GATEWAY_PORT}/health`,
    );
    expect(gateway.ports).toEqual([
      `\${GATEWAY_PUBLISHED_PORT:-8080}:${gateway.environment!.GATEWAY_PORT}`,
    ]);
    const template = gateway.volumes!.find((v) => v.includes('templates'))!.split(':')[0]!;
    expect(existsSync(join(ROOT, template))).toBe(true);
    expect(services.postgres!.healthcheck?.test.join(' ')).toContain('pg_isready');
  });

  it("keeps the gateway's fixed address, the one every service trusts, out of the addresses other containers get", () => {
    /** An IPv4 CIDR as its first address and size. */
    const block = (cidr: string) => {
      const [ip, bits] = cidr.split('/');
      const n = ip!.split('.').reduce((a, o) => a * 256 + Number(o), 0);
      return { first: n, size: 2 ** (32 - Number(bits)) };
    };
    const within = (ip: string, cidr: string) => {
      const { first, size } = block(cidr);
      const n = block(`${ip}/32`).first;
      return n >= first && n < first + size;
    };
    const [{ subnet, ip_range: range }] = compose.networks.default.ipam.config as [
      { subnet: string; ip_range?: string },
    ];
    const gateway = services.gateway!.networks!.default!.ipv4_address!;
    // Without a range, dynamic addresses start at .2: the ninth container before the gateway
    // (postgres and two replicas of four services) took .10 (seen running the stack with podman).
    expect({ inSubnet: within(gateway, subnet), range }).toEqual({
      inSubnet: true,
      range: expect.any(String),
    });
    expect(within(gateway, range!)).toBe(false);
    expect(block(range!).size).toBeGreaterThanOrEqual(2 * 4 * 2 + 2 + 2);
    for (const app of Object.keys(APPS)) {
      expect({ app, trusted: services[app]!.environment!.TRUSTED_PROXIES }).toEqual({
        app,
        trusted: gateway,
      });
    }
  });

  it('takes every secret from the environment and documents every variable in .env.example', () => {
    const example = Object.fromEntries(
      read('.env.example')
        .split('\n')
        .filter((l) => /^[A-Z0-9_]+=/.test(l))
        .map((l) => [l.slice(0, l.indexOf('=')), l.slice(l.indexOf('=') + 1)]),
    );
    const used = new Set(variables(read('docker-compose.yml')).filter((v) => v !== 'IMAGE_TAG'));
    for (const v of used)
      expect({ variable: v, documented: v in example }).toEqual({ variable: v, documented: true });
    for (const [name, service] of Object.entries(services)) {
      for (const [key, value] of Object.entries(service.environment ?? {})) {
        if (/SECRET|PASSWORD|PEPPER|_KEY$/.test(key) && value !== '') {
          expect({ name, key, fromEnv: /^\$\{[A-Z0-9_]+(:[-?][^}]*)?\}$/.test(value) }).toEqual({
            name,
            key,
            fromEnv: true,
          });
        }
      }
    }
  });
});

describe('docker-compose.yml with .env.example', () => {
  const example = Object.fromEntries(
    read('.env.example')
      .split('\n')
      .filter((l) => /^[A-Z0-9_]+=/.test(l))
      .map((l) => [l.slice(0, l.indexOf('=')), l.slice(l.indexOf('=') + 1)]),
  );
  // An operator follows the file's instructions: every required, empty value gets a fresh secret.
  const secrets = new Map<string, string>();
  const filled = (name: string) => {
    if (!secrets.has(name)) secrets.set(name, randomBytes(32).toString('base64url'));
    return secrets.get(name)!;
  };
  /** Compose's interpolation: ${VAR}, ${VAR:-default}, ${VAR:?error}. */
  const interpolate = (value: string) =>
    value.replace(
      /\$\{([A-Z0-9_]+)(?::([-?])([^}]*))?\}/g,
      (_m, name: string, op?: string, arg?: string) => {
        const set = example[name];
        if (set !== undefined && set !== '') return set;
        if (op === '-') return arg ?? '';
        if (op === '?') return filled(name);
        return '';
      },
    );

  it('leaves every secret empty in the example, so nothing guessable reaches a deployment', () => {
    for (const [key, value] of Object.entries(example)) {
      if (/SECRET|PASSWORD|PEPPER|_KEY$/.test(key))
        expect({ key, value }).toEqual({ key, value: '' });
    }
  });

  it('gives each service an environment its own configuration accepts (validated as at start)', () => {
    const classes = {
      'auth-server': AuthEnv,
      'customer-service': CustomerEnv,
      'activity-service': ActivityEnv,
      'developer-portal': PortalEnv,
    } as const;
    for (const [app, cls] of Object.entries(classes)) {
      const env = Object.fromEntries(
        Object.entries(services[app]!.environment!).map(([k, v]) => [k, interpolate(String(v))]),
      );
      expect(() => loadEnv(cls as new () => object, env)).not.toThrow();
    }
  });
});

describe('Dockerfile', () => {
  const dockerfile = read('Dockerfile');
  const runtime = dockerfile.slice(dockerfile.lastIndexOf('\nFROM '));

  it('is multi-stage, runs as a non-root user with production dependencies only, and checks health', () => {
    expect(dockerfile.match(/^FROM /gm)).toHaveLength(2);
    expect(dockerfile).toMatch(/npm prune --omit=dev/);
    expect(runtime).toMatch(/^USER node$/m);
    expect(runtime).toMatch(/^HEALTHCHECK .*\n?.*\/health\/ready/m);
    // Only built output and production modules reach the final image, never sources.
    const copies = runtime.split('\n').filter((l) => l.startsWith('COPY'));
    for (const copy of copies) {
      const source = copy.split(/\s+/).filter((w) => !w.startsWith('--'))[1]!;
      expect({
        copy,
        ok:
          /^\/src\/(dist\/|node_modules$|package\.json$)/.test(source) &&
          copy.includes('--from=build'),
      }).toEqual({ copy, ok: true });
    }
  });

  it('bakes no secret into the image', () => {
    const envLines = dockerfile
      .split('\n')
      .filter((l) => /^\s*(ENV|ARG)\b/.test(l) || /^\s+[A-Z_]+=/.test(l));
    expect(envLines.join('\n')).not.toMatch(/SECRET|PASSWORD|PEPPER|_KEY/);
    expect(read('.dockerignore')).toMatch(/^\.env$/m);
    expect(read('.dockerignore')).toMatch(/^\.data$/m);
  });

  it('builds and runs on Node 24 LTS, the line package.json pins for development and requires', () => {
    const pkg = JSON.parse(read('package.json')) as {
      engines: { node: string };
      devDependencies: Record<string, string>;
    };
    const image = /^ARG NODE_IMAGE=node:(\d+)[.\d]*-[a-z]+-slim$/m.exec(dockerfile);
    expect(image?.[1]).toBe('24');
    expect(pkg.devDependencies.node).toMatch(/^24\.\d+\.\d+$/);
    expect(pkg.engines.node).toBe('>=24');
    expect(dockerfile.match(/^FROM \$\{NODE_IMAGE\}/gm)).toHaveLength(2);
  });

  it('starts the app named by the build argument, built where the build stage puts it', () => {
    // After the OpenTelemetry preload (libs/common/src/telemetry/preload.ts, in dist/libs).
    expect(runtime).toMatch(
      /node --require \.\/dist\/libs\/common\/src\/telemetry\/preload\.js dist\/apps\/\$\{APP\}\/src\/main\.js/,
    );
    const build = JSON.parse(read('tsconfig.json')) as {
      compilerOptions: { outDir: string; rootDir: string };
    };
    expect(build.compilerOptions).toMatchObject({ outDir: './dist', rootDir: '.' });
  });
});

describe('gateway template', () => {
  const template = read('deploy/gateway/default.conf.template');
  const routes = [
    ...template.matchAll(
      /location\s+(?:=\s*)?(\S+)\s*\{[^}]*?(?:proxy_pass http:\/\/(\w+)|return)/g,
    ),
  ].map((m) => ({
    prefix: m[1]!,
    upstream: m[2],
  }));

  it('routes /reference to an auth-server that serves it, reading the other services by name', () => {
    expect(template).toMatch(/location ~ \^\/reference[^{]*\{\s*proxy_pass http:\/\/auth_server;/);
    // Production images serve docs only with DOCS_ENABLED (seen running the stack: 404 without).
    const env = services['auth-server']!.environment!;
    expect(env.DOCS_ENABLED).toMatch(/^\$\{DOCS_ENABLED:-true\}$/);
    expect({ customer: env.CUSTOMER_SERVICE_URL, activity: env.ACTIVITY_SERVICE_URL }).toEqual({
      customer: 'http://customer-service:3002',
      activity: 'http://activity-service:3003',
    });
    for (const app of ['customer-service', 'activity-service'])
      expect({ app, docs: services[app]!.environment!.DOCS_ENABLED }).toEqual({
        app,
        docs: '${DOCS_ENABLED:-true}',
      });
  });

  it('sends each public prefix of the contract to its service', () => {
    const byPrefix = Object.fromEntries(routes.map((r) => [r.prefix, r.upstream]));
    expect(byPrefix).toMatchObject({
      '/oauth2/v1/token': 'auth_server',
      '/oauth2/v1/keys': 'auth_server',
      '/oauth2/v1/introspect': 'auth_server',
      '/oauth2/v1/revoke': 'auth_server',
      '/.well-known/': 'auth_server',
      '/admin/': 'auth_server',
      '/customers/': 'customer_service',
      '/data-apis/': 'activity_service',
      '/portal/': 'developer_portal',
    });
  });

  it('balances each upstream across two servers, one per replica, each a variable compose sets', () => {
    const upstreams = Object.fromEntries(
      [...template.matchAll(/^upstream\s+(\w+)\s*\{([\s\S]*?)^\}/gm)].map((m) => [
        m[1]!,
        [...m[2]!.matchAll(/^\s*server\s+\$\{([A-Z0-9_]+)\}/gm)].map((s) => s[1]!),
      ]),
    );
    expect(upstreams).toEqual({
      auth_server: ['AUTH_UPSTREAM', 'AUTH_UPSTREAM_2'],
      customer_service: ['CUSTOMER_UPSTREAM', 'CUSTOMER_UPSTREAM_2'],
      activity_service: ['ACTIVITY_UPSTREAM', 'ACTIVITY_UPSTREAM_2'],
      developer_portal: ['PORTAL_UPSTREAM', 'PORTAL_UPSTREAM_2'],
    });
    const env = services.gateway!.environment!;
    for (const servers of Object.values(upstreams))
      expect(new Set(servers.map((v) => env[v])).size).toBe(2);
  });

  it('uses only the variables compose provides', () => {
    const provided = Object.keys(services.gateway!.environment!);
    for (const v of variables(template)) expect(provided).toContain(v);
  });

  it('exposes no internal route', () => {
    expect(
      routes
        .map((r) => r.prefix)
        .some((p) => p.startsWith('/internal') || p.startsWith('/health/')),
    ).toBe(false);
  });

  it('sends none of the internal paths to a service (nginx: exact match, else longest prefix)', () => {
    const locations = [...template.matchAll(/location\s+(=\s*)?(\S+)\s*\{([^}]*)\}/g)].map((m) => ({
      exact: !!m[1],
      prefix: m[2]!,
      upstream: /proxy_pass http:\/\/(\w+)/.exec(m[3]!)?.[1],
    }));
    const upstreamFor = (path: string) =>
      (
        locations.find((l) => l.exact && l.prefix === path) ??
        locations
          .filter((l) => !l.exact && path.startsWith(l.prefix))
          .sort((a, b) => b.prefix.length - a.prefix.length)[0]
      )?.upstream;
    const internal = [
      '/oauth2/v1/revocations',
      '/oauth2/v1/revocations/',
      '/oauth2/v1/anything-new',
      '/internal/v1/credentials/verify',
      '/metrics',
      '/health/live',
      '/health/ready',
      '/docs',
      '/docs-json',
      '/portal/health/ready',
      '/portal/metrics',
      '/portal/dev/mail',
    ];
    expect(internal.map((path) => ({ path, upstream: upstreamFor(path) }))).toEqual(
      internal.map((path) => ({ path, upstream: undefined })),
    );
    expect(upstreamFor('/oauth2/v1/token')).toBe('auth_server');
  });

  it('has an observability profile: Prometheus scraping every service by name and port, Grafana provisioned', () => {
    for (const name of ['prometheus', 'grafana']) {
      expect(services[name]!.profiles).toEqual(['observability']);
      // Published on the host's loopback only.
      for (const port of services[name]!.ports ?? []) expect(port).toMatch(/^'?127\.0\.0\.1:/);
    }
    const config = parse(read('deploy/observability/prometheus.yml')) as {
      scrape_configs: { metrics_path: string; static_configs: { targets: string[] }[] }[];
    };
    const targets = config.scrape_configs.flatMap((c) =>
      c.static_configs.flatMap((t) => t.targets),
    );
    expect(targets.sort()).toEqual(
      Object.entries(APPS)
        .map(([app, { port }]) => `${app}:${port}`)
        .sort(),
    );
    expect(config.scrape_configs.every((c) => c.metrics_path === '/metrics')).toBe(true);
    for (const volume of [...services.prometheus!.volumes!, ...services.grafana!.volumes!]) {
      const source = volume.split(':')[0]!;
      if (source.startsWith('./'))
        expect({ source, exists: existsSync(join(ROOT, source)) }).toEqual({
          source,
          exists: true,
        });
    }
    const dashboard = JSON.parse(read('deploy/observability/grafana/dashboards/platform.json')) as {
      panels: { targets: { expr: string }[] }[];
    };
    const exprs = dashboard.panels.flatMap((p) => p.targets.map((t) => t.expr)).join(' ');
    for (const metric of [
      'http_requests_total',
      'http_request_duration_seconds_bucket',
      'db_pool_connections',
      'outbox_backlog_events',
      'delivery_lag_seconds',
      'feed_lag_seconds',
      'auth_failed_authentications_total',
    ])
      expect(exprs).toContain(metric);
  });
});

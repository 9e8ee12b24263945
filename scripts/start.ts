/**
 * `npm start`: the whole platform on one machine. Starts an embedded PostgreSQL under .data/
 * when DATABASE_URL is unset, then the three services and the developer portal (each applies its
 * migrations before it serves), waits until they are ready and prints where everything is.
 * Ctrl-C stops it all.
 */
import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { startEmbeddedPostgres, type EmbeddedDatabase } from './embedded-postgres';
import { SANDBOX } from './sandbox';
import { seedActivity } from './seed-activity';
import { Supervisor } from './supervisor';

const ROOT = resolve(__dirname, '../..');
const DATA = join(ROOT, '.data');
const PRELOAD = join(ROOT, 'dist/libs/common/src/telemetry/preload.js');

interface Service {
  name: string;
  entry: string;
  portEnv: string;
  port: number;
  /** The internal client it reads the revocation feed with, and the variable holding its secret. */
  feedClient?: { id: string; secretEnv: string };
}

const SERVICES: Service[] = [
  { name: 'auth-server', entry: 'apps/auth-server/src/main.js', portEnv: 'AUTH_PORT', port: 3001 },
  {
    name: 'customer-service',
    entry: 'apps/customer-service/src/main.js',
    portEnv: 'CUSTOMER_PORT',
    port: 3002,
    feedClient: { id: 'customer-service', secretEnv: 'CUSTOMER_SERVICE_CLIENT_SECRET' },
  },
  {
    name: 'activity-service',
    entry: 'apps/activity-service/src/main.js',
    portEnv: 'ACTIVITY_PORT',
    port: 3003,
    feedClient: { id: 'activity-service', secretEnv: 'ACTIVITY_SERVICE_CLIENT_SECRET' },
  },
  {
    name: 'developer-portal',
    entry: 'apps/developer-portal/src/main.js',
    portEnv: 'PORTAL_PORT',
    port: 3004,
    // It reads PORTAL_CLIENT_SECRET itself: its client (clients:admin, internal:sandbox:admin)
    // is ensured by the auth-server from the same variable.
  },
];

/** Local secrets, made once and kept under .data/ so restarts keep clients and keys working. */
function localSecrets(): Record<string, string> {
  const file = join(DATA, 'secrets.json');
  const existing = existsSync(file)
    ? (JSON.parse(readFileSync(file, 'utf8')) as Record<string, string>)
    : {};
  const wanted: Record<string, () => string> = {
    CLIENT_SECRET_PEPPER: () => randomBytes(32).toString('base64url'),
    KEY_ENCRYPTION_KEY: () => randomBytes(32).toString('base64url'),
    ADMIN_CLIENT_SECRET: () => randomBytes(32).toString('base64url'),
    CUSTOMER_SERVICE_CLIENT_SECRET: () => randomBytes(32).toString('base64url'),
    ACTIVITY_SERVICE_CLIENT_SECRET: () => randomBytes(32).toString('base64url'),
    SSN_ENCRYPTION_KEY: () => randomBytes(32).toString('base64url'),
    ACTIVITY_PAGE_TOKEN_KEY: () => randomBytes(32).toString('base64url'),
    PORTAL_CLIENT_SECRET: () => randomBytes(32).toString('base64url'),
    PORTAL_CSRF_KEY: () => randomBytes(32).toString('base64url'),
  };
  let changed = false;
  for (const [key, make] of Object.entries(wanted)) {
    if (!existing[key]) {
      existing[key] = make();
      changed = true;
    }
  }
  if (changed) writeFileSync(file, JSON.stringify(existing, null, 2), { mode: 0o600 });
  return existing;
}

async function waitReady(url: string, running: () => boolean, timeoutMs = 60_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    // The supervisor says which service stopped and why, and stops the rest.
    if (!running()) throw new Error(`${url} stopped before it was ready`);
    try {
      const res = await fetch(`${url}/health/ready`);
      if (res.ok) return;
    } catch {
      // not listening yet
    }
    await new Promise((r) => setTimeout(r, 250));
  }
  throw new Error(`${url} was not ready within ${timeoutMs / 1000} s`);
}

const supervisor = new Supervisor({
  log: (line) => console.error(line),
  onStopped: (code) => process.exit(code),
});
process.on('SIGINT', () => {
  console.log('\nStopping...');
  void supervisor.stop(0);
});
process.on('SIGTERM', () => void supervisor.stop(0));

async function main(): Promise<void> {
  mkdirSync(DATA, { recursive: true });
  const production = process.env.NODE_ENV === 'production';
  const sandbox = (process.env.SANDBOX_MODE ?? (production ? 'false' : 'true')) === 'true';
  const secrets = production ? {} : localSecrets();

  let db: EmbeddedDatabase | undefined;
  let databaseUrl = process.env.DATABASE_URL;
  if (!databaseUrl) {
    const port = Number(process.env.EMBEDDED_PG_PORT ?? 54329);
    console.log(`Starting embedded PostgreSQL on 127.0.0.1:${port} (data in .data/postgres)...`);
    db = await startEmbeddedPostgres({ dir: join(DATA, 'postgres'), port, persistent: true });
    supervisor.onStop(() => db!.stop());
    databaseUrl = db.url;
  }

  const authPort = Number(process.env.AUTH_PORT ?? 3001);
  const env: NodeJS.ProcessEnv = {
    ...secrets,
    ADMIN_CLIENT_ID: 'platform-admin',
    CUSTOMER_SERVICE_CLIENT_ID: 'customer-service',
    SANDBOX_MODE: String(sandbox),
    SANDBOX_INSTITUTION_ID: SANDBOX.institutionId,
    SANDBOX_CLIENT_ID: SANDBOX.clientId,
    // Fixed locally so the committed Postman environment and the README's curl lines just work.
    SANDBOX_CLIENT_SECRET: SANDBOX.clientSecret,
    AUTH_ISSUER: `http://localhost:${authPort}`,
    CUSTOMER_SERVICE_URL: `http://localhost:${process.env.CUSTOMER_PORT ?? 3002}`,
    ACTIVITY_SERVICE_URL: `http://localhost:${process.env.ACTIVITY_PORT ?? 3003}`,
    PORTAL_PUBLIC_URL: `http://localhost:${process.env.PORTAL_PORT ?? 3004}`,
    // The contract's sandbox mode: webhooks to http and loopback receivers (a developer's laptop).
    DELIVERY_ALLOW_PRIVATE_TARGETS: String(sandbox),
    ...process.env,
    DATABASE_URL: databaseUrl,
  };

  for (const service of SERVICES) {
    // Each resource server reads the revocation feed as its own internal client.
    const feedClient = service.feedClient
      ? {
          AUTH_CLIENT_ID: service.feedClient.id,
          AUTH_CLIENT_SECRET: env[service.feedClient.secretEnv],
        }
      : {};
    // The OpenTelemetry preload: loads nothing unless OTEL_EXPORTER_OTLP_ENDPOINT is set.
    const args = ['--require', PRELOAD, join(ROOT, 'dist', service.entry)];
    supervisor.spawn(service.name, process.execPath, args, {
      env: {
        ...env,
        ...feedClient,
        [service.portEnv]: process.env[service.portEnv] ?? String(service.port),
      },
      stdio: ['ignore', 'inherit', 'inherit'],
    });
  }

  const urls = SERVICES.map((s) => `http://localhost:${process.env[s.portEnv] ?? s.port}`);
  await Promise.all(SERVICES.map((s, i) => waitReady(urls[i]!, () => supervisor.running(s.name))));
  if (sandbox) {
    // Skips an FI that already has activity, so restarts don't add more.
    const seeded = await seedActivity({
      databaseUrl,
      institutionId: env.SANDBOX_INSTITUTION_ID!,
      events: 20_000,
    });
    if (!seeded.skipped)
      console.log(`Seeded ${seeded.inserted} banking activity events for the sandbox FI.`);
  }

  const lines = [
    '',
    'Digital banking platform is up.',
    ...SERVICES.map(
      (s, i) =>
        `  ${s.name.padEnd(17)} ${urls[i]}${s.name === 'developer-portal' ? '' : `   docs: ${urls[i]}/docs`}`,
    ),
    `  database          ${db ? 'embedded PostgreSQL (.data/postgres)' : 'DATABASE_URL'}`,
  ];
  const portal = urls[SERVICES.findIndex((s) => s.name === 'developer-portal')]!;
  lines.push(
    '',
    `Developer portal: ${portal}  (sign up, verify, get keys)`,
    env.SMTP_URL
      ? '  mail is sent through SMTP_URL'
      : `  mail is caught locally: read it at ${portal}/dev/mail (links are also printed here)`,
  );
  if (sandbox) {
    lines.push(
      '',
      'Sandbox FI client (every FI scope):',
      `  institutionId  ${env.SANDBOX_INSTITUTION_ID!}`,
      `  client_id      ${env.SANDBOX_CLIENT_ID!}`,
      `  client_secret  ${env.SANDBOX_CLIENT_SECRET}`,
      '',
      'Get a token:',
      `  curl -s -u '${env.SANDBOX_CLIENT_ID!}:${env.SANDBOX_CLIENT_SECRET}' -d grant_type=client_credentials ${urls[0]}/oauth2/v1/token`,
      '',
      // Its secret is never printed: terminals are scrolled back, logged and shared.
      `Platform admin client (clients:admin): ${env.ADMIN_CLIENT_ID}; its secret is ADMIN_CLIENT_SECRET ${
        process.env.ADMIN_CLIENT_SECRET ? 'in your environment' : `in ${join(DATA, 'secrets.json')}`
      }`,
    );
  }
  lines.push('', 'Press Ctrl-C to stop.', '');
  console.log(lines.join('\n'));
}

main().catch((err: unknown) => {
  // A service that stopped has been named by the supervisor already.
  if (!supervisor.isStopping) console.error(err);
  void supervisor.stop(1);
});

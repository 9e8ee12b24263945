/**
 * client_credentials tokens per second: this auth-server next to oidc-provider, same grant,
 * same client authentication, ES256 JWT access tokens, on this machine, in one run.
 *   npm run bench:auth -- [--seconds 10] [--rounds 5] [--connections 32]
 * Servers run as child processes; this process is the load generator (autocannon).
 */
import { randomBytes } from 'node:crypto';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { freePort, startEmbeddedPostgres } from '../scripts/embedded-postgres';
import { machine, median, round, spawnNode, stop, waitFor, type Round } from './support';

const { values } = parseArgs({
  options: {
    seconds: { type: 'string', default: '10' },
    rounds: { type: 'string', default: '5' },
    connections: { type: 'string', default: '32' },
  },
});
const seconds = Number(values.seconds);
const rounds = Number(values.rounds);
const connections = Number(values.connections);

async function main(): Promise<void> {
  const db = process.env.DATABASE_URL
    ? undefined
    : await startEmbeddedPostgres({
        dir: mkdtempSync(join(tmpdir(), 'bench-auth-')),
        persistent: false,
      });
  const databaseUrl = process.env.DATABASE_URL ?? db!.url;

  const ours = await freePort();
  const oursUrl = `http://127.0.0.1:${ours}`;
  const admin = { id: 'bench-admin', secret: randomBytes(32).toString('base64url') };
  const server = spawnNode(resolve(__dirname, '../apps/auth-server/src/main.js'), [], {
    ...process.env,
    NODE_ENV: 'production',
    DATABASE_URL: databaseUrl,
    AUTH_PORT: String(ours),
    AUTH_ISSUER: oursUrl,
    CLIENT_SECRET_PEPPER: randomBytes(32).toString('base64url'),
    KEY_ENCRYPTION_KEY: randomBytes(32).toString('base64url'),
    ADMIN_CLIENT_ID: admin.id,
    ADMIN_CLIENT_SECRET: admin.secret,
    LOG_LEVEL: process.env.LOG_LEVEL ?? 'info',
  });
  await waitFor(`${oursUrl}/health/ready`);

  // A client registered the normal way, through the admin API.
  const basicOf = (id: string, secret: string) =>
    `Basic ${Buffer.from(`${id}:${secret}`).toString('base64')}`;
  const adminToken = (await (
    await fetch(`${oursUrl}/oauth2/v1/token`, {
      method: 'POST',
      headers: {
        authorization: basicOf(admin.id, admin.secret),
        'content-type': 'application/x-www-form-urlencoded',
      },
      body: 'grant_type=client_credentials',
    })
  ).json()) as { access_token: string };
  const created = (await (
    await fetch(`${oursUrl}/admin/v1/clients`, {
      method: 'POST',
      headers: {
        authorization: `Bearer ${adminToken.access_token}`,
        'content-type': 'application/json',
      },
      body: JSON.stringify({
        institutionId: 'bench-fi',
        name: 'bench',
        scopes: ['customers:read'],
        grantTypes: ['client_credentials'],
      }),
    })
  ).json()) as { clientId: string; clientSecret: string };

  const theirs = await freePort();
  const theirsUrl = `http://127.0.0.1:${theirs}`;
  const reference = spawnNode(
    resolve(__dirname, 'oidc-provider.server.js'),
    [
      JSON.stringify({
        clientId: created.clientId,
        clientSecret: created.clientSecret,
        port: theirs,
      }),
    ],
    {
      ...process.env,
      NODE_ENV: 'production',
    },
  );
  await waitFor(`${theirsUrl}/.well-known/openid-configuration`);

  const request = (url: string) => ({
    url: `${url}/${url === oursUrl ? 'oauth2/v1/token' : 'token'}`,
    method: 'POST' as const,
    headers: {
      authorization: basicOf(created.clientId, created.clientSecret),
      'content-type': 'application/x-www-form-urlencoded',
    },
    body: 'grant_type=client_credentials&scope=customers:read',
    connections,
    duration: seconds,
  });

  // Sanity: both answer 200 with a JWT before measuring.
  for (const url of [oursUrl, theirsUrl]) {
    const r = request(url);
    const res = await fetch(r.url, { method: 'POST', headers: r.headers, body: r.body });
    const body = (await res.json()) as { access_token?: string };
    if (res.status !== 200 || body.access_token?.split('.').length !== 3)
      throw new Error(`${url} did not issue a JWT: ${JSON.stringify(body)}`);
  }

  // Warm-up, then alternate the two servers so drift in the machine's load hits both alike.
  await round({ ...request(oursUrl), duration: 3 });
  await round({ ...request(theirsUrl), duration: 3 });
  const results: Record<'ours' | 'oidc', Round[]> = { ours: [], oidc: [] };
  for (let i = 0; i < rounds; i++) {
    results.ours.push(await round(request(oursUrl)));
    results.oidc.push(await round(request(theirsUrl)));
    console.log(
      `round ${i + 1}: ours ${results.ours[i]!.requestsPerSecond.toFixed(0)}/s, oidc-provider ${results.oidc[i]!.requestsPerSecond.toFixed(0)}/s`,
    );
  }
  for (const [name, rs] of Object.entries(results)) {
    const bad = rs.reduce((n, r) => n + r.non2xx + r.errors, 0);
    if (bad > 0) throw new Error(`${name}: ${bad} failed requests during measurement`);
  }

  const oursMedian = median(results.ours.map((r) => r.requestsPerSecond));
  const oidcMedian = median(results.oidc.map((r) => r.requestsPerSecond));
  console.log(
    [
      '',
      `machine: ${machine()}`,
      `setup: ${rounds} rounds x ${seconds} s, ${connections} connections, HTTP Basic, scope customers:read, LOG_LEVEL ${process.env.LOG_LEVEL ?? 'info'}`,
      `| server | median tokens/s | median p50 ms | median p99 ms |`,
      `| --- | --- | --- | --- |`,
      `| auth-server (this project) | ${oursMedian.toFixed(0)} | ${median(results.ours.map((r) => r.p50))} | ${median(results.ours.map((r) => r.p99))} |`,
      `| oidc-provider 9.13.3 | ${oidcMedian.toFixed(0)} | ${median(results.oidc.map((r) => r.p50))} | ${median(results.oidc.map((r) => r.p99))} |`,
      `ratio (ours / oidc-provider): ${(oursMedian / oidcMedian).toFixed(2)}`,
    ].join('\n'),
  );

  await stop(server);
  await stop(reference);
  await db?.stop();
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});

/**
 * client_credentials tokens per second: this auth-server next to oidc-provider, same grant,
 * same client authentication, ES256 JWT access tokens, on this machine, in one run.
 *   npm run bench:auth -- [--seconds 10] [--rounds 5] [--connections 32] [--tracing]
 * Servers run as child processes; this process is the load generator (autocannon).
 * --tracing: a second auth-server on the same database runs with OpenTelemetry on (the preload,
 * OTEL_EXPORTER_OTLP_ENDPOINT at an OTLP/HTTP sink in this process), measured in the same
 * alternation: the cost of tracing, every span exported.
 */
import { randomBytes } from 'node:crypto';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { freePort, startEmbeddedPostgres } from '../scripts/embedded-postgres';
import {
  benchClusterDir,
  machine,
  median,
  type Round,
  round,
  spawnNode,
  stop,
  waitFor,
} from './support';

const { values } = parseArgs({
  options: {
    seconds: { type: 'string', default: '10' },
    rounds: { type: 'string', default: '5' },
    connections: { type: 'string', default: '32' },
    tracing: { type: 'boolean', default: false },
  },
});
const seconds = Number(values.seconds);
const rounds = Number(values.rounds);
const connections = Number(values.connections);

async function main(): Promise<void> {
  const db = process.env.DATABASE_URL
    ? undefined
    : await startEmbeddedPostgres({
        dir: benchClusterDir('bench-auth-'),
        persistent: false,
      });
  const databaseUrl = process.env.DATABASE_URL ?? db!.url;

  const ours = await freePort();
  const oursUrl = `http://127.0.0.1:${ours}`;
  const admin = { id: 'bench-admin', secret: randomBytes(32).toString('base64url') };
  const serverEnv = {
    ...process.env,
    NODE_ENV: 'production',
    DATABASE_URL: databaseUrl,
    AUTH_ISSUER: oursUrl,
    CLIENT_SECRET_PEPPER: randomBytes(32).toString('base64url'),
    KEY_ENCRYPTION_KEY: randomBytes(32).toString('base64url'),
    ADMIN_CLIENT_ID: admin.id,
    ADMIN_CLIENT_SECRET: admin.secret,
    LOG_LEVEL: process.env.LOG_LEVEL ?? 'info',
  };
  const entry = resolve(__dirname, '../apps/auth-server/src/main.js');
  const server = spawnNode(entry, [], { ...serverEnv, AUTH_PORT: String(ours) });
  await waitFor(`${oursUrl}/health/ready`);

  // --tracing: the same server with the OpenTelemetry preload, exporting to a sink here.
  let traced: { url: string; stop: () => Promise<void>; spans: () => number } | undefined;
  if (values.tracing) {
    let exported = 0;
    const sink = createServer((req, res) => {
      let body = '';
      req.on('data', (c: Buffer) => (body += c.toString()));
      req.on('end', () => {
        exported += (body.match(/"spanId"/g) ?? []).length;
        res.writeHead(200, { 'content-type': 'application/json' }).end('{}');
      });
    });
    await new Promise<void>((r) => sink.listen(0, '127.0.0.1', r));
    const port = await freePort();
    const previous = process.env.BENCH_NODE_ARGS;
    process.env.BENCH_NODE_ARGS = `${previous ?? ''} --require ${resolve(__dirname, '../libs/common/src/telemetry/preload.js')}`;
    const child = spawnNode(entry, [], {
      ...serverEnv,
      AUTH_PORT: String(port),
      OTEL_EXPORTER_OTLP_ENDPOINT: `http://127.0.0.1:${(sink.address() as AddressInfo).port}`,
      OTEL_SERVICE_NAME: 'auth-server-bench',
    });
    if (previous === undefined) delete process.env.BENCH_NODE_ARGS;
    else process.env.BENCH_NODE_ARGS = previous;
    traced = {
      url: `http://127.0.0.1:${port}`,
      spans: () => exported,
      stop: async () => {
        await stop(child);
        await new Promise((r) => sink.close(r));
      },
    };
    await waitFor(`${traced.url}/health/ready`);
  }

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
    url: `${url}/${url === theirsUrl ? 'token' : 'oauth2/v1/token'}`,
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
  for (const url of [oursUrl, theirsUrl, ...(traced ? [traced.url] : [])]) {
    const r = request(url);
    const res = await fetch(r.url, { method: 'POST', headers: r.headers, body: r.body });
    const body = (await res.json()) as { access_token?: string };
    if (res.status !== 200 || body.access_token?.split('.').length !== 3)
      throw new Error(`${url} did not issue a JWT: ${JSON.stringify(body)}`);
  }

  // Warm-up, then alternate the two servers so drift in the machine's load hits both alike.
  await round({ ...request(oursUrl), duration: 3 });
  await round({ ...request(theirsUrl), duration: 3 });
  if (traced) await round({ ...request(traced.url), duration: 3 });
  const results: Record<'ours' | 'oidc' | 'traced', Round[]> = { ours: [], oidc: [], traced: [] };
  for (let i = 0; i < rounds; i++) {
    results.ours.push(await round(request(oursUrl)));
    results.oidc.push(await round(request(theirsUrl)));
    if (traced) results.traced.push(await round(request(traced.url)));
    console.log(
      `round ${i + 1}: ours ${results.ours[i]!.requestsPerSecond.toFixed(0)}/s, oidc-provider ${results.oidc[i]!.requestsPerSecond.toFixed(0)}/s` +
        (traced ? `, ours traced ${results.traced[i]!.requestsPerSecond.toFixed(0)}/s` : ''),
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
      ...(traced
        ? [
            `| auth-server, tracing on (OTLP/HTTP export) | ${median(results.traced.map((r) => r.requestsPerSecond)).toFixed(0)} | ${median(results.traced.map((r) => r.p50))} | ${median(results.traced.map((r) => r.p99))} |`,
            `tracing on / off: ${(median(results.traced.map((r) => r.requestsPerSecond)) / oursMedian).toFixed(2)}; spans received by the sink: ${traced.spans()}`,
          ]
        : []),
    ].join('\n'),
  );

  await stop(server);
  await stop(reference);
  await traced?.stop();
  await db?.stop();
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});

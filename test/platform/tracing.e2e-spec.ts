import { randomBytes, randomUUID } from 'node:crypto';
import * as http from 'node:http';
import { createServer, type Server } from 'node:http';
import * as https from 'node:https';
import type { AddressInfo } from 'node:net';
import { Writable } from 'node:stream';
import { JsonTraceSerializer } from '@opentelemetry/otlp-transformer';
import pino from 'pino';
import { startTelemetry, type Telemetry } from '../../libs/common/src/telemetry/telemetry';
import type * as LocalPlatformModule from '../../scripts/local-platform';
import type { LocalPlatform } from '../../scripts/local-platform';
import { SANDBOX } from '../../scripts/sandbox';
// Types only: the modules that load the services are imported once tracing runs (beforeAll).
import type * as CustomerSupport from '../support/customer-platform';
import type * as PlatformSupport from '../support/platform';
import { createTestDatabase, type TestDatabase } from '../support/database';

interface LogLine {
  service?: string;
  transactionId?: string;
  traceId?: string;
  req?: { method: string; path: string };
  res?: { statusCode: number };
}

interface OtlpSpan {
  traceId: string;
  spanId: string;
  parentSpanId?: string;
  name: string;
  kind: number;
}

interface OtlpRequest {
  resourceSpans: { scopeSpans: { spans: OtlpSpan[] }[] }[];
}

const SPAN_KIND = { server: 2 };

interface ModuleDefinition {
  name: string;
  moduleExports?: unknown;
  patch?: (exports: unknown) => unknown;
}

/**
 * The preload's instrumentations patch modules as they are required; Jest gives them a module
 * system of its own, which they cannot hook. Under Jest, node:http and node:https (the real
 * modules, shared with the services started below) are patched here by the instrumentations'
 * own definitions, and unpatched by Telemetry.shutdown like any other.
 */
function patchCoreModulesUnderJest(telemetry: Telemetry): void {
  const cores: Record<string, unknown> = { http, https };
  for (const instrumentation of telemetry.instrumentations) {
    for (const def of (instrumentation as { _modules?: ModuleDefinition[] })._modules ?? []) {
      const core = cores[def.name];
      if (!core || def.moduleExports) continue;
      def.patch?.(core);
      def.moduleExports = core;
    }
  }
}

/**
 * OTLP/HTTP JSON, serialized by OpenTelemetry's own serializer (the one OTLPTraceExporter uses),
 * posted with fetch: the shipped exporter's transport loads itself with a dynamic import(),
 * which Jest's CommonJS runtime cannot run.
 */
function otlpJsonExporter(url: string) {
  type Spans = Parameters<typeof JsonTraceSerializer.serializeRequest>[0];
  const pending = new Set<Promise<unknown>>();
  return {
    export(spans: Spans, done: (result: { code: number; error?: Error }) => void) {
      const body = JsonTraceSerializer.serializeRequest(spans)!;
      const sent = fetch(url, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: Buffer.from(body),
      }).then(
        (res) => done({ code: res.ok ? 0 : 1 }),
        (error: Error) => done({ code: 1, error }),
      );
      pending.add(sent);
      void sent.finally(() => pending.delete(sent));
    },
    async shutdown() {
      await Promise.all(pending);
    },
    async forceFlush() {
      await Promise.all(pending);
    },
  };
}

/**
 * Tracing end to end: a password grant sent with a W3C traceparent is traced through the
 * auth-server and the customer-service it asks, each request's log line names the trace, and
 * the spans reach an OTLP/HTTP (JSON) receiver. The SDK is started here, as the preload does,
 * before the services' modules are loaded (the import below waits for it).
 */
describe('tracing: traceparent accepted and passed on, traceId logged, spans exported over OTLP', () => {
  let db: TestDatabase;
  let platform: LocalPlatform;
  let telemetry: Telemetry | undefined;
  let receiver: Server;
  const received: OtlpRequest[] = [];
  const raw: string[] = [];
  let customers: typeof CustomerSupport;
  let support: typeof PlatformSupport;

  beforeAll(async () => {
    receiver = createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        if (req.method === 'POST' && req.url === '/v1/traces') {
          expect(req.headers['content-type']).toMatch(/^application\/json/);
          received.push(JSON.parse(Buffer.concat(chunks).toString('utf8')) as OtlpRequest);
        }
        res.writeHead(200, { 'content-type': 'application/json' }).end('{}');
      });
    });
    await new Promise<void>((resolve) => receiver.listen(0, '127.0.0.1', resolve));
    const sink = new Writable({
      write(chunk: Buffer, _encoding, done) {
        raw.push(chunk.toString('utf8'));
        done();
      },
    });
    jest
      .spyOn(pino, 'destination')
      .mockReturnValue(sink as unknown as ReturnType<typeof pino.destination>);
    const endpoint = `http://127.0.0.1:${(receiver.address() as AddressInfo).port}`;
    telemetry = startTelemetry({
      endpoint,
      serviceName: 'platform-under-test',
      exporter: otlpJsonExporter(`${endpoint}/v1/traces`),
    });
    patchCoreModulesUnderJest(telemetry);
    // Loaded now, once node:http is patched (a static import would load them before).
    const { startLocalPlatform } = jest.requireActual<typeof LocalPlatformModule>(
      '../../scripts/local-platform',
    );
    customers = jest.requireActual<typeof CustomerSupport>('../support/customer-platform');
    support = jest.requireActual<typeof PlatformSupport>('../support/platform');
    db = await createTestDatabase('tracing');
    platform = await startLocalPlatform(db.url, { LOG_LEVEL: 'info' });
  });
  afterAll(async () => {
    await platform?.close();
    await telemetry?.shutdown();
    await db?.drop();
    await new Promise((resolve) => receiver?.close(resolve));
    jest.restoreAllMocks();
  });

  const lines = (): LogLine[] =>
    raw
      .join('')
      .split('\n')
      .filter(Boolean)
      .map((l) => JSON.parse(l) as LogLine);

  it('joins the password grant, the credential check and their log lines in the caller’s trace', async () => {
    const { STRONG_PASSWORD, eventually, newLoginId, registrationBody } = customers;
    const { postForm } = support;
    const sandbox = { clientId: SANDBOX.clientId, clientSecret: SANDBOX.clientSecret };
    const tokenUrl = `${platform.urls.auth}/oauth2/v1/token`;
    const app = await postForm(tokenUrl, { grant_type: 'client_credentials' }, { basic: sandbox });
    expect(app.status).toBe(200);
    const loginId = newLoginId('trace');
    const register = await fetch(`${platform.urls.customer}/customers/v2/registrations`, {
      method: 'POST',
      headers: {
        authorization: `Bearer ${app.body.access_token as string}`,
        'content-type': 'application/json',
      },
      body: JSON.stringify(registrationBody({ loginId, password: STRONG_PASSWORD })),
    });
    expect(register.status).toBe(201);

    const traceId = randomBytes(16).toString('hex');
    const callerSpanId = randomBytes(8).toString('hex');
    const transactionId = randomUUID();
    const grant = await postForm(
      tokenUrl,
      { grant_type: 'password', username: loginId, password: STRONG_PASSWORD },
      {
        basic: sandbox,
        headers: { transactionId, traceparent: `00-${traceId}-${callerSpanId}-01` },
      },
    );
    expect(grant.status).toBe(200);

    // The completion lines of both services' requests, joined by transactionId and by traceId
    // (by path: services started in one process share nestjs-pino's logger and its `service`).
    const lineOf = (path: string) =>
      eventually(
        () =>
          Promise.resolve(
            lines().find((l) => l.transactionId === transactionId && l.req?.path === path && l.res),
          ),
        `the log line of ${path}`,
        5_000,
      );
    await telemetry!.shutdown();
    telemetry = undefined;
    expect(await lineOf('/oauth2/v1/token')).toMatchObject({ traceId });
    expect(await lineOf('/internal/v1/credentials/verify')).toMatchObject({
      traceId,
    });

    // Everything buffered goes out on shutdown; then the receiver holds the trace.
    const spans = received
      .flatMap((r) => r.resourceSpans)
      .flatMap((r) => r.scopeSpans)
      .flatMap((s) => s.spans)
      .filter((s) => s.traceId === traceId);
    const servers = spans.filter((s) => s.kind === SPAN_KIND.server);
    const ids = new Set(spans.map((s) => s.spanId));
    // The token request's server span is the caller's child...
    expect(servers.filter((s) => s.parentSpanId === callerSpanId)).toHaveLength(1);
    // ...and the credential check's server span (customer-service) a child of a span the
    // auth-server made in the same trace: the traceparent went along.
    expect(
      servers.filter((s) => s.parentSpanId !== callerSpanId && ids.has(s.parentSpanId ?? '')),
    ).toHaveLength(1);
  });
});

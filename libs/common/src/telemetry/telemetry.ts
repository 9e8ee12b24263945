import type { IncomingMessage } from 'node:http';
import { OTLPTraceExporter } from '@opentelemetry/exporter-trace-otlp-http';
import { FastifyInstrumentation } from '@opentelemetry/instrumentation-fastify';
import { HttpInstrumentation } from '@opentelemetry/instrumentation-http';
import { PgInstrumentation } from '@opentelemetry/instrumentation-pg';
import { NodeSDK } from '@opentelemetry/sdk-node';

export interface TelemetryOptions {
  /** OTLP/HTTP base URL (OTEL_EXPORTER_OTLP_ENDPOINT); spans go to <endpoint>/v1/traces. */
  endpoint: string;
  serviceName: string;
  /**
   * Another exporter than OTLPTraceExporter: Jest's CommonJS runtime cannot run the dynamic
   * import() the OTLP exporter's transport makes, so the tracing test sends the same OTLP JSON
   * through an exporter of its own.
   */
  exporter?: SpanExporter;
}

type SpanExporter = NonNullable<
  NonNullable<ConstructorParameters<typeof NodeSDK>[0]>['traceExporter']
>;

export interface Telemetry {
  /** The instrumentations it enabled (http, fastify, pg). */
  readonly instrumentations: readonly object[];
  /** Sends the spans still buffered and stops. */
  shutdown(): Promise<void>;
}

/** Machine polls: no span for them (they would drown the traces that matter). */
const UNTRACED = /^\/(metrics|health)(\/|\?|$)/;

/**
 * Starts OpenTelemetry for this process: W3C trace context in and out, spans of the HTTP server
 * and clients (node:http), Fastify and `pg`, exported over OTLP/HTTP (JSON). Must run before
 * those modules are loaded (the preload does it); traces only, no metrics or logs pipeline.
 */
export function startTelemetry(options: TelemetryOptions): Telemetry {
  const instrumentations = [
    new HttpInstrumentation({
      ignoreIncomingRequestHook: (req: IncomingMessage) => UNTRACED.test(req.url ?? ''),
    }),
    new FastifyInstrumentation(),
    // Queries of background pollers (outbox, delivery) would each start a trace of their own.
    new PgInstrumentation({ requireParentSpan: true }),
  ];
  const sdk = new NodeSDK({
    serviceName: options.serviceName,
    autoDetectResources: false,
    traceExporter:
      options.exporter ??
      new OTLPTraceExporter({ url: `${options.endpoint.replace(/\/$/, '')}/v1/traces` }),
    metricReaders: [],
    logRecordProcessors: [],
    instrumentations,
  });
  sdk.start();
  return {
    instrumentations,
    shutdown: async () => {
      await sdk.shutdown();
      // Unpatched too: a test process goes on without tracing.
      for (const instrumentation of instrumentations) instrumentation.disable();
    },
  };
}

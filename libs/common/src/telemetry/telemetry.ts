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
}

export interface Telemetry {
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
  const sdk = new NodeSDK({
    serviceName: options.serviceName,
    autoDetectResources: false,
    traceExporter: new OTLPTraceExporter({
      url: `${options.endpoint.replace(/\/$/, '')}/v1/traces`,
    }),
    metricReaders: [],
    logRecordProcessors: [],
    instrumentations: [
      new HttpInstrumentation({
        ignoreIncomingRequestHook: (req: IncomingMessage) => UNTRACED.test(req.url ?? ''),
      }),
      new FastifyInstrumentation(),
      // Queries of background pollers (outbox, delivery) would each start a trace of their own.
      new PgInstrumentation({ requireParentSpan: true }),
    ],
  });
  sdk.start();
  return { shutdown: () => sdk.shutdown() };
}

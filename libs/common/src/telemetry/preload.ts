/**
 * `node --require dist/libs/common/src/telemetry/preload.js dist/apps/<app>/src/main.js`
 * (scripts/start.ts and the Dockerfile do): starts OpenTelemetry before the service's modules
 * load, when OTEL_EXPORTER_OTLP_ENDPOINT is set. Unset, it loads nothing: no SDK, no cost.
 * It reads process.env itself, before any config exists; the typed config (CommonEnv) validates
 * the same setting when the service starts.
 */
const endpoint = process.env.OTEL_EXPORTER_OTLP_ENDPOINT;
if (endpoint) {
  // Synchronously, so that the instrumentations patch http, fastify and pg before main loads them.
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const { startTelemetry } = require('./telemetry') as typeof import('./telemetry');
  const app = /apps\/([^/]+)\/src\/main\.js$/.exec(process.argv[1] ?? '')?.[1];
  const telemetry = startTelemetry({
    endpoint,
    serviceName: process.env.OTEL_SERVICE_NAME ?? app ?? 'digital-banking',
  });
  // The service's own shutdown (SIGTERM) ends with process exit; flush what is buffered first.
  process.once('beforeExit', () => void telemetry.shutdown());
}

import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { bearerMatches, type Metrics } from './metrics';

export const METRICS_PATH = '/metrics';

/**
 * Counts and times every answer (route template, never the URL) and serves GET /metrics in the
 * Prometheus text format. Unauthenticated unless `token` is set (METRICS_TOKEN): the gateway
 * never routes /metrics, so only the services' own network reaches it (docs/SECURITY.md).
 */
export function serveMetrics(
  app: NestFastifyApplication,
  metrics: Metrics,
  options: { token?: string } = {},
): void {
  metrics.collectDefaults();
  const fastify = app.getHttpAdapter().getInstance();
  fastify.addHook('onResponse', (request: FastifyRequest, reply: FastifyReply, done) => {
    metrics.observeRequest(
      request.method,
      request.routeOptions.url,
      reply.statusCode,
      reply.elapsedTime / 1000,
    );
    done();
  });
  fastify.get(METRICS_PATH, async (request: FastifyRequest, reply: FastifyReply) => {
    if (
      options.token !== undefined &&
      !bearerMatches(request.headers.authorization, options.token)
    ) {
      return reply
        .code(401)
        .header('www-authenticate', 'Bearer realm="metrics"')
        .header('cache-control', 'no-store')
        .send();
    }
    const body = await metrics.registry.metrics();
    return reply
      .header('content-type', metrics.registry.contentType)
      .header('cache-control', 'no-store')
      .send(body);
  });
}

import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import { boundedFastifyJsonParser, CommonEnv } from '@app/common';
import { MERGE_PATCH } from './http-headers';

/**
 * The service's bodies, besides the platform's JSON parser (application/json):
 * - a profile patch (application/merge-patch+json, RFC 7396) is JSON, read by the same bounded
 *   parser (depth, prototype poisoning, BODY_LIMIT_BYTES);
 * - any other content type is read (within the limit) and dropped, so the route answers as for
 *   a missing body: a patch in another type is 415 CUS_UNSUPPORTED_MEDIA_TYPE with Accept-Patch,
 *   a registration 400, rather than Fastify's generic 415.
 * Oversized bodies answer 413 PAYLOAD_TOO_LARGE (the problem filter reads the rest first).
 */
export function installBodyParsers(app: NestFastifyApplication): void {
  const bodyLimit = app.get(CommonEnv).BODY_LIMIT_BYTES;
  const fastify = app.getHttpAdapter().getInstance();
  app.useBodyParser(MERGE_PATCH, { bodyLimit }, boundedFastifyJsonParser(fastify));
  fastify.addContentTypeParser('*', { parseAs: 'buffer', bodyLimit }, (_req, _body, done) =>
    done(null, undefined),
  );
}

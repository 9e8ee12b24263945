import type { Readable } from 'node:stream';
import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import type { FastifyRequest } from 'fastify';
import {
  discardBody,
  JSON_TOO_DEEP_DETAIL,
  jsonNestsDeeperThan,
  ProblemException,
} from '@app/common';
import { ActivityErrors } from './activity.errors';

export const ACTIVITY_ROUTE = '/data-apis/v1/banking-activities';
export const BATCH_ROUTE = `${ACTIVITY_ROUTE}/batch`;

/** application/json and any application/…+json, with or without parameters. */
const JSON_TYPE = /^application\/(?:json|[a-z0-9.+-]+\+json)\s*(?:;|$)/i;

export interface BodyLimits {
  /** Every route but the batch one (the platform's BODY_LIMIT_BYTES). */
  bodyLimit: number;
  /** The batch endpoint (ACTIVITY_BATCH_BODY_LIMIT_BYTES). */
  batchLimit: number;
}

/**
 * The service's body parsing, in the contract's terms, replacing the platform's JSON parser:
 * - JSON bodies are parsed; only the batch route may send up to `batchLimit` bytes;
 * - a body that is not JSON (malformed), or nests deeper than MAX_JSON_DEPTH (checked before it is
 *   parsed), answers BAS_10006, one of another content type is read
 *   and dropped, so the handler sees no body and answers BAS_10006 too (as a JSON request
 *   without a body does);
 * - an oversized body answers 413 with `errorCode` BAS_10006, whatever its content type.
 */
export function installBodyParsers(app: NestFastifyApplication, limits: BodyLimits): void {
  const fastify = app.getHttpAdapter().getInstance();
  const limitOf = (req: FastifyRequest): number =>
    req.routeOptions.url === BATCH_ROUTE ? limits.batchLimit : limits.bodyLimit;
  fastify.removeAllContentTypeParsers();
  fastify.addContentTypeParser(JSON_TYPE, (req, payload, done) => {
    readBody(payload, limitOf(req), req.headers['content-length']).then((body) => {
      // An empty JSON body is an empty object, as body-parser has it.
      if (body.length === 0) {
        done(null, {});
        return;
      }
      if (jsonNestsDeeperThan(body)) {
        done(ActivityErrors.unreadableBody(JSON_TOO_DEEP_DETAIL));
        return;
      }
      let parsed: unknown;
      try {
        parsed = JSON.parse(body.toString('utf8'));
      } catch {
        done(ActivityErrors.unreadableBody('The request body is not valid JSON.'));
        return;
      }
      done(null, parsed);
    }, done);
  });
  fastify.addContentTypeParser('*', (req, payload, done) => {
    readBody(payload, limitOf(req), req.headers['content-length']).then(
      () => done(null, undefined),
      done,
    );
  });
}

export function payloadTooLarge(): ProblemException {
  const detail = 'The request body is too large.';
  return new ProblemException(413, {
    code: 'PAYLOAD_TOO_LARGE',
    detail,
    extensions: { errorCode: 'BAS_10006', errorMessage: detail },
  });
}

/**
 * The whole body, refused as soon as it is known to exceed `limit`; the refusal waits until the
 * rest is read and dropped (up to a bound, see discardBody) so that the client reads the 413.
 */
export function readBody(
  payload: Readable,
  limit: number,
  contentLength: string | undefined,
): Promise<Buffer> {
  const refuse = () =>
    discardBody(payload, limit, contentLength).then(() => Promise.reject(payloadTooLarge()));
  const declared = Number(contentLength);
  if (declared > limit) return refuse();
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let received = 0;
    const stop = () => {
      payload.off('data', onData);
      payload.off('end', onEnd);
      payload.off('error', onError);
    };
    const onData = (chunk: Buffer | string) => {
      const buf = typeof chunk === 'string' ? Buffer.from(chunk) : chunk;
      received += buf.length;
      if (received > limit) {
        stop();
        refuse().catch(reject);
        return;
      }
      chunks.push(buf);
    };
    const onEnd = () => {
      stop();
      if (!Number.isNaN(declared) && received !== declared) {
        reject(ActivityErrors.unreadableBody('The request size did not match Content-Length.'));
        return;
      }
      resolve(chunks.length === 1 ? chunks[0]! : Buffer.concat(chunks, received));
    };
    const onError = () => {
      stop();
      reject(ActivityErrors.unreadableBody('The request body could not be read.'));
    };
    payload.on('data', onData);
    payload.on('end', onEnd);
    payload.on('error', onError);
    payload.resume();
  });
}

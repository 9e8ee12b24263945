import type { IncomingMessage, ServerResponse } from 'node:http';
import { trace } from '@opentelemetry/api';

declare module 'http' {
  interface IncomingMessage {
    /** The W3C trace id the request belongs to (32 hex digits), when it has one. */
    traceId?: string;
  }
}

/** version-traceid-parentid-flags (W3C Trace Context level 1); never all zeros. */
const TRACEPARENT = /^([0-9a-f]{2})-([0-9a-f]{32})-([0-9a-f]{16})-[0-9a-f]{2}$/;
const ZEROS = /^0+$/;

/** The trace id of a `traceparent` header, or undefined when the header is absent or invalid. */
export function traceIdOfTraceparent(header: string | string[] | undefined): string | undefined {
  if (typeof header !== 'string') return undefined;
  const m = TRACEPARENT.exec(header.trim());
  if (!m || m[1] === 'ff' || ZEROS.test(m[2]!) || ZEROS.test(m[3]!)) return undefined;
  return m[2];
}

/**
 * Puts the request's trace id on it (`req.traceId`, logged with its completion line): the
 * OpenTelemetry server span's when tracing is on (the SDK started by the preload); otherwise
 * the caller's `traceparent`, so that a line still joins the caller's trace. Costs one header
 * read when tracing is off: no span exists then, and nothing is propagated further.
 */
export function traceIdMiddleware(req: IncomingMessage, _res: ServerResponse, next: () => void) {
  const span = trace.getActiveSpan()?.spanContext();
  req.traceId =
    span && trace.isSpanContextValid(span)
      ? span.traceId
      : traceIdOfTraceparent(req.headers.traceparent);
  next();
}

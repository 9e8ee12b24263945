import { request as httpRequest, type IncomingMessage } from 'node:http';
import { request as httpsRequest } from 'node:https';
import type { LookupFunction } from 'node:net';
import { Injectable } from '@nestjs/common';
import { ActivityEnv } from '../config/activity.env';
import { hostOf, resolveTarget, webhookUrlProblem } from './target-guard';

/** The outcome of one webhook attempt, as the delivery log records it. */
export interface WebhookOutcome {
  statusCode: number | null;
  durationMs: number;
  error: string | null;
  retryAfter?: string;
}

/** Response bodies are read up to this much (and dropped): a receiver cannot flood us. */
const MAX_RESPONSE_BYTES = 4096;

/**
 * POSTs one webhook. Redirects are never followed (a 3xx is a failure), the attempt is cut at
 * DELIVERY_TIMEOUT_MS, and the response body is read up to 4 KiB. The host is resolved here
 * and checked (target-guard.ts), and the socket connects to that checked address (a pinned
 * `lookup`), so a name that re-resolves to an internal address between check and connect
 * (DNS rebinding) is never reached; TLS still verifies the certificate for the host name.
 */
@Injectable()
export class WebhookClient {
  constructor(private readonly env: ActivityEnv) {}

  async post(
    rawUrl: string,
    headers: Record<string, string>,
    body: string,
  ): Promise<WebhookOutcome> {
    const started = Date.now();
    const took = () => Date.now() - started;
    const allowPrivate = this.env.DELIVERY_ALLOW_PRIVATE_TARGETS;
    const problem = webhookUrlProblem(rawUrl, allowPrivate);
    if (problem) return { statusCode: null, durationMs: took(), error: `url ${problem}` };
    const url = new URL(rawUrl);
    let target: Awaited<ReturnType<typeof resolveTarget>>;
    try {
      target = await resolveTarget(hostOf(url), allowPrivate);
    } catch (err) {
      return { statusCode: null, durationMs: took(), error: (err as Error).message };
    }
    const pinned: LookupFunction = (_host, options, callback) => {
      if ((options as { all?: boolean }).all) {
        (callback as unknown as (e: null, a: { address: string; family: number }[]) => void)(null, [
          { address: target.address, family: target.family },
        ]);
      } else callback(null, target.address, target.family);
    };
    const send = url.protocol === 'https:' ? httpsRequest : httpRequest;
    return new Promise<WebhookOutcome>((resolve) => {
      let settled = false;
      const finish = (outcome: Omit<WebhookOutcome, 'durationMs'>) => {
        if (settled) return;
        settled = true;
        clearTimeout(timer);
        resolve({ ...outcome, durationMs: took() });
      };
      const req = send(
        url,
        {
          method: 'POST',
          lookup: pinned,
          headers: {
            ...headers,
            'content-type': 'application/json',
            'content-length': String(Buffer.byteLength(body)),
            'user-agent': 'banking-activity-delivery/1',
          },
        },
        (res: IncomingMessage) => {
          let read = 0;
          res.on('data', (chunk: Buffer) => {
            read += chunk.length;
            if (read > MAX_RESPONSE_BYTES) res.destroy();
          });
          const done = () =>
            finish({
              statusCode: res.statusCode ?? null,
              error: null,
              retryAfter: headerValue(res.headers['retry-after']),
            });
          res.on('end', done);
          res.on('close', done);
          res.on('error', done);
        },
      );
      const timer = setTimeout(() => {
        finish({ statusCode: null, error: `timed out after ${this.env.DELIVERY_TIMEOUT_MS} ms` });
        req.destroy();
      }, this.env.DELIVERY_TIMEOUT_MS);
      req.on('error', (err) => finish({ statusCode: null, error: err.message }));
      req.end(body);
    });
  }
}

const headerValue = (v: string | string[] | undefined) => (Array.isArray(v) ? v[0] : v);

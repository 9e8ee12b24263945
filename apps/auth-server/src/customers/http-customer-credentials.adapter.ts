import * as http from 'node:http';
import * as https from 'node:https';
import { Injectable, Logger, type OnApplicationShutdown } from '@nestjs/common';
import { context, propagation } from '@opentelemetry/api';
import { Scope } from '@app/common';
import { AuthEnv } from '../config/auth.env';
import { AccessTokenIssuer } from '../tokens/access-token.issuer';
import type {
  CredentialCheck,
  CredentialVerdict,
  CustomerCredentialsPort,
} from './customer-credentials.port';

const TIMEOUT_MS = 5_000;
const IDLE_MS = 4_000;
/** A verdict is a few dozen bytes; anything much larger is not one. */
const MAX_BODY_BYTES = 64 * 1024;

/**
 * Asks customer-service over HTTP, with a short-lived token carrying an internal scope.
 *
 * Every password grant makes this call, so it goes through node:http with a keep-alive agent
 * rather than `fetch`: the same reused connections, without the WHATWG Request/Response and
 * stream objects that made `fetch` about a fifth of the auth-server's CPU per login
 * (docs/benchmarks/customer.md). With tracing on, the request's `traceparent` goes along (set
 * here from the active context, and by the http instrumentation's client span where it runs):
 * the customer-service's span and log line join the token request's trace. Off, nothing is added.
 */
@Injectable()
export class HttpCustomerCredentialsAdapter
  implements CustomerCredentialsPort, OnApplicationShutdown
{
  private readonly logger = new Logger('CustomerCredentials');
  private readonly url: URL;
  private readonly agent: http.Agent;
  private readonly request: typeof http.request;

  constructor(
    env: AuthEnv,
    private readonly issuer: AccessTokenIssuer,
  ) {
    this.url = new URL(
      `${env.CUSTOMER_SERVICE_URL.replace(/\/$/, '')}/internal/v1/credentials/verify`,
    );
    const secure = this.url.protocol === 'https:';
    // An idle connection is closed after IDLE_MS, well before the server would close it
    // (Fastify keeps one 72 s): a request never goes out on a socket the server is closing.
    const options = { keepAlive: true, timeout: IDLE_MS, scheduling: 'lifo' as const };
    this.agent = secure ? new https.Agent(options) : new http.Agent(options);
    this.request = secure ? https.request : http.request;
  }

  onApplicationShutdown(): void {
    this.agent.destroy();
  }

  async verify(check: CredentialCheck, transactionId?: string): Promise<CredentialVerdict> {
    try {
      const token = await this.issuer.internalToken(Scope.InternalCredentialsVerify);
      const { status, body } = await this.post(JSON.stringify(check), token, transactionId);
      if (status !== 200) throw new Error(`customer-service answered ${status}`);
      const verdict = JSON.parse(body) as CredentialVerdict;
      if (!['ok', 'invalid', 'locked'].includes(verdict.result))
        throw new Error('unexpected verdict');
      return verdict;
    } catch (err) {
      this.logger.error({ err: (err as Error).message }, 'credential check failed');
      return { result: 'unavailable' };
    }
  }

  private post(
    payload: string,
    token: string,
    transactionId: string | undefined,
  ): Promise<{ status: number; body: string }> {
    return new Promise((resolve, reject) => {
      const headers: Record<string, string | number> = {
        'content-type': 'application/json',
        'content-length': Buffer.byteLength(payload),
        ...(transactionId ? { transactionId } : {}),
        authorization: `Bearer ${token}`,
      };
      propagation.inject(context.active(), headers);
      const req = this.request(
        this.url,
        { method: 'POST', agent: this.agent, timeout: TIMEOUT_MS, headers },
        (res) => {
          const chunks: Buffer[] = [];
          let size = 0;
          res.on('data', (chunk: Buffer) => {
            size += chunk.length;
            if (size > MAX_BODY_BYTES) return req.destroy(new Error('answer too large'));
            chunks.push(chunk);
          });
          res.on('end', () =>
            resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks).toString('utf8') }),
          );
          res.on('error', reject);
        },
      );
      // Idle (no byte) for TIMEOUT_MS; the whole call is bounded below as well.
      req.on('timeout', () => req.destroy(new Error('customer-service timed out')));
      const deadline = setTimeout(
        () => req.destroy(new Error('customer-service timed out')),
        TIMEOUT_MS,
      );
      deadline.unref();
      req.on('close', () => clearTimeout(deadline));
      req.on('error', reject);
      req.end(payload);
    });
  }
}

import { Injectable, Logger } from '@nestjs/common';
import { Scope } from '@app/common';
import { CustomerEnv } from '../config/customer.env';
import type { ActivityEvent } from './activity-event';

export type DeliveryOutcome =
  | { kind: 'delivered' }
  /** Worth trying again later: network, 5xx, throttling, an expired or refused token. */
  | { kind: 'retry'; error: string }
  /** The activity-service refused the content itself; sending it again cannot help. */
  | { kind: 'rejected'; error: string };

const REJECTED = new Set([400, 413, 422]);
const TIMEOUT_MS = 10_000;

/**
 * Posts event batches to the activity-service (docs/internal-apis.md) with a client_credentials
 * token of this service's internal client, cached until shortly before it expires.
 */
@Injectable()
export class ActivityClient {
  private readonly logger = new Logger(ActivityClient.name);
  private cached?: { token: string; expiresAt: number };

  constructor(private readonly env: CustomerEnv) {}

  /** What is missing for delivery, or undefined when it can run. */
  get missingConfiguration(): string | undefined {
    if (!this.env.activityServiceUrl) return 'ACTIVITY_SERVICE_URL';
    if (!this.env.CUSTOMER_SERVICE_CLIENT_SECRET) return 'CUSTOMER_SERVICE_CLIENT_SECRET';
    return undefined;
  }

  async deliver(events: ActivityEvent[]): Promise<DeliveryOutcome> {
    let token: string;
    try {
      token = await this.token();
    } catch (err) {
      return { kind: 'retry', error: `token: ${(err as Error).message}` };
    }
    let res: Response;
    try {
      res = await fetch(`${this.env.activityServiceUrl}/data-apis/v1/banking-activities/batch`, {
        method: 'POST',
        headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
        body: JSON.stringify({ events }),
        signal: AbortSignal.timeout(TIMEOUT_MS),
      });
    } catch (err) {
      return { kind: 'retry', error: `activity-service unreachable: ${(err as Error).message}` };
    }
    const text = await res.text().catch(() => '');
    if (res.ok) return { kind: 'delivered' };
    if (res.status === 401) this.cached = undefined;
    const error = `activity-service answered ${res.status}: ${text.slice(0, 500)}`;
    return REJECTED.has(res.status) ? { kind: 'rejected', error } : { kind: 'retry', error };
  }

  private async token(): Promise<string> {
    if (this.cached && this.cached.expiresAt - Date.now() > 60_000) return this.cached.token;
    const basic = Buffer.from(
      `${encodeURIComponent(this.env.CUSTOMER_SERVICE_CLIENT_ID)}:${encodeURIComponent(
        this.env.CUSTOMER_SERVICE_CLIENT_SECRET ?? '',
      )}`,
    ).toString('base64');
    const res = await fetch(`${this.env.authInternalUrl}/oauth2/v1/token`, {
      method: 'POST',
      headers: {
        authorization: `Basic ${basic}`,
        'content-type': 'application/x-www-form-urlencoded',
      },
      body: new URLSearchParams({
        grant_type: 'client_credentials',
        scope: Scope.InternalEventsWrite,
      }).toString(),
      signal: AbortSignal.timeout(TIMEOUT_MS),
    });
    const body = (await res.json().catch(() => ({}))) as {
      access_token?: string;
      expires_in?: number;
      error?: string;
    };
    if (res.status !== 200 || !body.access_token) {
      this.logger.warn({ status: res.status, error: body.error }, 'event token refused');
      throw new Error(`auth-server answered ${res.status} ${body.error ?? ''}`.trim());
    }
    this.cached = {
      token: body.access_token,
      expiresAt: Date.now() + (body.expires_in ?? 300) * 1000,
    };
    return body.access_token;
  }
}

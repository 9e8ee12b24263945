import { Injectable, Logger } from '@nestjs/common';
import { context, propagation, SpanKind, trace } from '@opentelemetry/api';
import { ClientCredentialsToken, Scope } from '@app/common';
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
/** A no-op tracer unless the OpenTelemetry SDK runs (OTEL_EXPORTER_OTLP_ENDPOINT). */
const tracer = trace.getTracer('customer-service.outbox');

/**
 * Posts event batches to the activity-service (docs/internal-apis.md) with a client_credentials
 * token of this service's internal client, cached until shortly before it expires.
 */
@Injectable()
export class ActivityClient {
  private readonly logger = new Logger(ActivityClient.name);
  private readonly tokens: ClientCredentialsToken;

  constructor(private readonly env: CustomerEnv) {
    this.tokens = new ClientCredentialsToken({
      authUrl: env.authInternalUrl,
      clientId: env.CUSTOMER_SERVICE_CLIENT_ID,
      clientSecret: env.CUSTOMER_SERVICE_CLIENT_SECRET ?? '',
      scope: Scope.InternalEventsWrite,
      timeoutMs: TIMEOUT_MS,
      renewBeforeMs: 60_000,
    });
  }

  /** What is missing for delivery, or undefined when it can run. */
  get missingConfiguration(): string | undefined {
    if (!this.env.activityServiceUrl) return 'ACTIVITY_SERVICE_URL';
    if (!this.env.CUSTOMER_SERVICE_CLIENT_SECRET) return 'CUSTOMER_SERVICE_CLIENT_SECRET';
    return undefined;
  }

  /**
   * One span per batch when tracing is on, its `traceparent` sent along (fetch is not
   * instrumented by the http instrumentation): the activity-service's ingest joins that trace.
   */
  deliver(events: ActivityEvent[]): Promise<DeliveryOutcome> {
    return tracer.startActiveSpan(
      'outbox deliver',
      { kind: SpanKind.CLIENT, attributes: { 'messaging.batch.message_count': events.length } },
      (span) => this.post(events).finally(() => span.end()),
    );
  }

  private async post(events: ActivityEvent[]): Promise<DeliveryOutcome> {
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
        headers: traced({ authorization: `Bearer ${token}`, 'content-type': 'application/json' }),
        body: JSON.stringify({ events }),
        signal: AbortSignal.timeout(TIMEOUT_MS),
      });
    } catch (err) {
      return { kind: 'retry', error: `activity-service unreachable: ${(err as Error).message}` };
    }
    const text = await res.text().catch(() => '');
    if (res.ok) return { kind: 'delivered' };
    if (res.status === 401) this.tokens.invalidate();
    const error = `activity-service answered ${res.status}: ${text.slice(0, 500)}`;
    return REJECTED.has(res.status) ? { kind: 'rejected', error } : { kind: 'retry', error };
  }

  private token(): Promise<string> {
    return this.tokens.get().catch((err: unknown) => {
      this.logger.warn({ error: (err as Error).message }, 'event token refused');
      throw err;
    });
  }
}

/** `headers` with the active trace's `traceparent` (none when tracing is off). */
function traced(headers: Record<string, string>): Record<string, string> {
  propagation.inject(context.active(), headers);
  return headers;
}

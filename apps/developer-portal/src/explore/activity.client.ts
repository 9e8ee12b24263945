/**
 * The activity-service as the explore pages call it: with a short-lived token minted for the
 * developer's own app, from the server (the token never reaches the page). Every answer comes
 * back as data, refusals included (a 400's problem+json is what the test drive shows beside its
 * fields), so no API answer can become a 500 of the portal.
 */

export interface Problem {
  status: number;
  code?: string;
  title?: string;
  detail?: string;
  errors?: { pointer: string; detail: string }[];
}

export type ApiAnswer<T> =
  { ok: true; status: number; body: T } | { ok: false; status: number; problem: Problem };

export interface SearchPage {
  nextPageToken: string | null;
  count: number;
  bankingActivities: Record<string, unknown>[];
}

export interface CatalogueAttribute {
  attributeId: string;
  type: string;
  required?: boolean;
  description?: string;
  enum?: string[];
}

export interface EventCatalogue {
  commonAttributes: CatalogueAttribute[];
  eventTypes: {
    eventId: string;
    category: string;
    description: string;
    attributes: CatalogueAttribute[];
  }[];
}

export interface Subscription {
  subscriptionId: string;
  name: string;
  cadence: string;
  status: string;
  pausedReason?: string | null;
  destination: { type: string; url?: string; host?: string; directory?: string };
  lastSequence?: number | null;
  createdAt: string;
  [key: string]: unknown;
}

export interface DeliveryAttempt {
  at: string;
  statusCode: number | null;
  durationMs: number | null;
  error: string | null;
}

export interface Delivery {
  deliveryId: string;
  sequence: number | null;
  type: string;
  replay?: boolean;
  count: number;
  status: string;
  nextAttemptAt: string | null;
  createdAt: string;
  attempts: DeliveryAttempt[];
}

export interface DeliveryLog {
  count: number;
  nextPageToken: string | null;
  deliveries: Delivery[];
}

export interface TestOutcome {
  deliveryId: string;
  status: string;
  statusCode: number | null;
  durationMs: number | null;
  error: string | null;
}

type Fetch = typeof fetch;

const ROUTE = '/data-apis/v1/banking-activities';

export class ActivityClient {
  constructor(
    private readonly baseUrl: string,
    private readonly timeoutMs: number,
    private readonly fetchImpl: Fetch = fetch,
  ) {}

  /** The search; 204 (nothing matches) is a page of none. */
  async search(token: string, body: unknown): Promise<ApiAnswer<SearchPage>> {
    const answer = await this.json<SearchPage | null>(token, 'POST', ROUTE, body);
    if (answer.ok && answer.status === 204)
      return {
        ok: true,
        status: 204,
        body: { nextPageToken: null, count: 0, bankingActivities: [] },
      };
    return answer as ApiAnswer<SearchPage>;
  }

  /**
   * Streams the export (NDJSON) of a search's filters, handing each event to `each` until it
   * returns false; then stops reading. Memory stays constant whatever the number of events.
   */
  async exportEach(
    token: string,
    body: unknown,
    each: (event: Record<string, unknown>) => boolean,
  ): Promise<ApiAnswer<{ read: number; stopped: boolean }>> {
    let res: Response;
    const controller = new AbortController();
    const timer = setTimeout(() => controller.abort(), this.timeoutMs);
    try {
      res = await this.fetchImpl(`${this.baseUrl}${ROUTE}/export`, {
        method: 'POST',
        headers: {
          authorization: `Bearer ${token}`,
          'content-type': 'application/json',
          accept: 'application/x-ndjson',
        },
        body: JSON.stringify(body),
        signal: controller.signal,
      });
    } catch (err) {
      clearTimeout(timer);
      return unreachable(err);
    }
    try {
      if (!res.ok || !res.body)
        return { ok: false, status: res.status, problem: await problemOf(res) };
      let read = 0;
      let rest = '';
      const decoder = new TextDecoder();
      const reader = res.body.getReader();
      for (;;) {
        const { done, value } = await reader.read();
        const text = rest + (done ? decoder.decode() : decoder.decode(value, { stream: true }));
        const lines = text.split('\n');
        rest = done ? '' : (lines.pop() ?? '');
        for (const line of lines) {
          if (line.trim() === '') continue;
          read++;
          if (!each(JSON.parse(line) as Record<string, unknown>)) {
            await reader.cancel();
            return { ok: true, status: res.status, body: { read, stopped: true } };
          }
        }
        if (done) break;
      }
      return { ok: true, status: res.status, body: { read, stopped: false } };
    } catch (err) {
      return unreachable(err);
    } finally {
      clearTimeout(timer);
      controller.abort();
    }
  }

  eventTypes(token: string): Promise<ApiAnswer<EventCatalogue>> {
    return this.json(token, 'GET', `${ROUTE}/event-types`);
  }

  subscriptions(
    token: string,
  ): Promise<ApiAnswer<{ count: number; subscriptions: Subscription[] }>> {
    return this.json(token, 'GET', `${ROUTE}/subscriptions`);
  }

  createSubscription(
    token: string,
    body: unknown,
  ): Promise<ApiAnswer<Subscription & { secret?: string }>> {
    return this.json(token, 'POST', `${ROUTE}/subscriptions`, body);
  }

  deliveries(token: string, id: string, pageToken?: string): Promise<ApiAnswer<DeliveryLog>> {
    const query = new URLSearchParams({ pageSize: '20' });
    if (pageToken) query.set('pageToken', pageToken);
    return this.json(
      token,
      'GET',
      `${ROUTE}/subscriptions/${encodeURIComponent(id)}/deliveries?${query.toString()}`,
    );
  }

  testDelivery(token: string, id: string): Promise<ApiAnswer<TestOutcome>> {
    return this.json(token, 'POST', `${ROUTE}/subscriptions/${encodeURIComponent(id)}/test`);
  }

  private async json<T>(
    token: string,
    method: string,
    path: string,
    body?: unknown,
  ): Promise<ApiAnswer<T>> {
    let res: Response;
    try {
      res = await this.fetchImpl(`${this.baseUrl}${path}`, {
        method,
        headers: {
          authorization: `Bearer ${token}`,
          accept: 'application/json',
          ...(body === undefined ? {} : { 'content-type': 'application/json' }),
        },
        body: body === undefined ? undefined : JSON.stringify(body),
        signal: AbortSignal.timeout(this.timeoutMs),
      });
    } catch (err) {
      return unreachable(err);
    }
    if (!res.ok) return { ok: false, status: res.status, problem: await problemOf(res) };
    const text = await res.text().catch(() => '');
    if (text === '') return { ok: true, status: res.status, body: null as T };
    try {
      return { ok: true, status: res.status, body: JSON.parse(text) as T };
    } catch {
      return {
        ok: false,
        status: 502,
        problem: {
          status: 502,
          detail: 'The activity service answered with something that is not JSON.',
        },
      };
    }
  }
}

function unreachable(err: unknown): { ok: false; status: 0; problem: Problem } {
  const timedOut =
    err instanceof Error && (err.name === 'TimeoutError' || err.name === 'AbortError');
  return {
    ok: false,
    status: 0,
    problem: {
      status: 0,
      detail: timedOut
        ? 'The activity service did not answer in time. Try a shorter time range, or again in a moment.'
        : 'The activity service could not be reached. Try again in a moment.',
    },
  };
}

/** The answer's problem+json, or what can be said of an answer without one. */
async function problemOf(res: Response): Promise<Problem> {
  const text = await res.text().catch(() => '');
  try {
    const json = JSON.parse(text) as Record<string, unknown>;
    const errors = Array.isArray(json.errors)
      ? json.errors
          .filter(
            (e): e is { pointer: string; detail: string } =>
              typeof e === 'object' &&
              e !== null &&
              typeof (e as Record<string, unknown>).pointer === 'string' &&
              typeof (e as Record<string, unknown>).detail === 'string',
          )
          .map((e) => ({ pointer: e.pointer, detail: e.detail }))
      : undefined;
    return {
      status: res.status,
      ...(typeof json.code === 'string' ? { code: json.code } : {}),
      ...(typeof json.title === 'string' ? { title: json.title } : {}),
      ...(typeof json.detail === 'string' ? { detail: json.detail } : {}),
      ...(errors ? { errors } : {}),
    };
  } catch {
    return { status: res.status, detail: `The activity service answered HTTP ${res.status}.` };
  }
}

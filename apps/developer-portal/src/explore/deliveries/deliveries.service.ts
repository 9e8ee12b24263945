import { Injectable } from '@nestjs/common';
import {
  ActivityClient,
  type ApiAnswer,
  type Delivery,
  type Problem,
  type Subscription,
} from '../activity.client';
import { SandboxTokenService, type ExploreApp, type SandboxToken } from '../sandbox-token.service';

/** What the delivery API needs (the contract); the token gets nothing more. */
export const DELIVERY_SCOPES = [
  'banking-activities:read',
  'account:read',
  'banking-activities:deliveries',
] as const;

export const CADENCES = ['realtime', 'hourly', 'daily'] as const;

export interface SubscriptionRow {
  subscriptionId: string;
  name: string;
  cadence: string;
  destination: string;
  webhook: boolean;
  status: string;
  pausedReason: string | null;
  lastSequence: number | null;
  createdAt: string;
}

export interface DeliveryRow {
  deliveryId: string;
  createdAt: string;
  sequence: string;
  type: string;
  count: number;
  status: string;
  nextAttemptAt: string | null;
  attempts: { at: string; result: string }[];
  highlighted: boolean;
}

export interface DeliveriesView {
  notice: string | null;
  noApp: boolean;
  app: ExploreApp | null;
  subscriptions: SubscriptionRow[] | null;
  selected: SubscriptionRow | null;
  log: { rows: DeliveryRow[]; nextPageToken: string | null } | null;
  /** The outcome of the test delivery the page was sent back with. */
  tested: string | null;
}

export interface CreateForm {
  name: string;
  cadence: string;
  url: string;
}

export type CreateResult =
  | { ok: true; subscription: SubscriptionRow; secret: string | null }
  | { ok: false; errors: Record<string, string[]>; notice: string | null };

export type TestResult = { ok: true; deliveryId: string } | { ok: false; notice: string };

/**
 * The deliveries page: the organization's delivery subscriptions and their delivery logs, a
 * test delivery, and a new webhook subscription, through the activity-service's delivery API
 * with a short-lived token of the developer's own app. Plain inputs.
 */
@Injectable()
export class DeliveriesService {
  constructor(
    private readonly tokens: SandboxTokenService,
    private readonly activity: ActivityClient,
  ) {}

  async page(
    institutionId: string,
    query: { subscription?: string; page?: string; tested?: string },
  ): Promise<DeliveriesView> {
    const view: DeliveriesView = {
      notice: null,
      noApp: false,
      app: null,
      subscriptions: null,
      selected: null,
      log: null,
      tested: null,
    };
    const answer = await this.withToken(institutionId, view, (t) =>
      this.activity.subscriptions(t.accessToken),
    );
    if (!answer) return view;
    if (!answer.ok) {
      view.notice = noticeOf(answer.problem);
      return view;
    }
    view.subscriptions = answer.body.subscriptions.map(row);
    if (!query.subscription) return view;
    view.selected = view.subscriptions.find((s) => s.subscriptionId === query.subscription) ?? null;
    if (!view.selected) {
      view.notice = 'There is no such subscription in your sandbox.';
      return view;
    }
    const log = await this.withToken(institutionId, view, (t) =>
      this.activity.deliveries(t.accessToken, view.selected!.subscriptionId, query.page),
    );
    if (!log) return view;
    if (!log.ok) {
      view.notice = noticeOf(log.problem);
      return view;
    }
    view.log = {
      rows: log.body.deliveries.map((d) => deliveryRow(d, d.deliveryId === query.tested)),
      nextPageToken: log.body.nextPageToken,
    };
    const tested = view.log.rows.find((r) => r.highlighted);
    if (tested) {
      view.tested = `The test delivery was sent: ${tested.status}${tested.attempts[0] ? ` (${tested.attempts[0].result})` : ''}.`;
    }
    return view;
  }

  async create(institutionId: string, form: CreateForm): Promise<CreateResult> {
    const errors: Record<string, string[]> = {};
    if (form.name.trim() === '') errors.name = ['Give the subscription a name.'];
    if (!(CADENCES as readonly string[]).includes(form.cadence))
      errors.cadence = ['Choose realtime, hourly or daily.'];
    if (form.url.trim() === '') errors.url = ['Give the URL that receives the deliveries.'];
    if (Object.keys(errors).length) return { ok: false, errors, notice: null };
    const view = emptyView();
    const answer = await this.withToken(institutionId, view, (t) =>
      this.activity.createSubscription(t.accessToken, {
        name: form.name.trim(),
        cadence: form.cadence,
        destination: { type: 'webhook', url: form.url.trim() },
      }),
    );
    if (!answer) return { ok: false, errors: {}, notice: view.notice };
    if (!answer.ok) {
      if (answer.status !== 400) return { ok: false, errors: {}, notice: noticeOf(answer.problem) };
      return { ok: false, errors: fieldErrors(answer.problem), notice: null };
    }
    return {
      ok: true,
      subscription: row(answer.body),
      secret: typeof answer.body.secret === 'string' ? answer.body.secret : null,
    };
  }

  async test(institutionId: string, subscriptionId: string): Promise<TestResult> {
    const view = emptyView();
    const answer = await this.withToken(institutionId, view, (t) =>
      this.activity.testDelivery(t.accessToken, subscriptionId),
    );
    if (!answer) return { ok: false, notice: view.notice ?? 'No sandbox token.' };
    if (!answer.ok) return { ok: false, notice: noticeOf(answer.problem) };
    return { ok: true, deliveryId: answer.body.deliveryId };
  }

  /**
   * Runs `call` with a token of the developer's app; a refused token (revoked app) is dropped
   * and the call made once more with a fresh one. undefined: no token (the view says why).
   */
  private async withToken<T>(
    institutionId: string,
    view: Pick<DeliveriesView, 'notice' | 'noApp' | 'app'>,
    call: (token: SandboxToken) => Promise<ApiAnswer<T>>,
  ): Promise<ApiAnswer<T> | undefined> {
    for (let attempt = 0; ; attempt++) {
      const minted = await this.tokens.tokenFor(institutionId, DELIVERY_SCOPES);
      if (!minted.ok) {
        view.noApp = minted.reason === 'no-app';
        view.notice = minted.detail;
        return undefined;
      }
      view.app = minted.token.app;
      const answer = await call(minted.token);
      if (answer.ok || answer.status !== 401 || attempt === 1) return answer;
      this.tokens.forget(minted.token);
    }
  }
}

function emptyView(): DeliveriesView {
  return {
    notice: null,
    noApp: false,
    app: null,
    subscriptions: null,
    selected: null,
    log: null,
    tested: null,
  };
}

function row(s: Subscription): SubscriptionRow {
  const d = s.destination ?? { type: 'unknown' };
  const where =
    d.type === 'webhook'
      ? `webhook ${d.url ?? ''}`
      : d.type === 'sftp'
        ? `SFTP ${d.host ?? ''}${d.directory ? `:${d.directory}` : ''}`
        : d.type;
  return {
    subscriptionId: s.subscriptionId,
    name: s.name,
    cadence: s.cadence,
    destination: where.trim(),
    webhook: d.type === 'webhook',
    status: s.status,
    pausedReason: s.pausedReason ?? null,
    lastSequence: s.lastSequence ?? null,
    createdAt: s.createdAt,
  };
}

function deliveryRow(d: Delivery, highlighted: boolean): DeliveryRow {
  return {
    deliveryId: d.deliveryId,
    createdAt: d.createdAt,
    sequence: d.sequence === null || d.sequence === undefined ? '—' : String(d.sequence),
    type: d.replay ? `${d.type} (replay)` : d.type,
    count: d.count,
    status: d.status,
    nextAttemptAt: d.nextAttemptAt,
    attempts: (d.attempts ?? []).map((a) => ({
      at: a.at,
      result: [
        a.statusCode === null ? 'no answer' : `HTTP ${a.statusCode}`,
        a.durationMs === null ? null : `${a.durationMs} ms`,
        a.error,
      ]
        .filter((x): x is string => x !== null && x !== '')
        .join(', '),
    })),
    highlighted,
  };
}

/** The API's field errors on the create form's fields. */
function fieldErrors(problem: Problem): Record<string, string[]> {
  const out: Record<string, string[]> = {};
  const field = (pointer: string) =>
    pointer === '/name'
      ? 'name'
      : pointer === '/cadence'
        ? 'cadence'
        : pointer.startsWith('/destination')
          ? 'url'
          : '';
  for (const e of problem.errors ?? []) (out[field(e.pointer)] ??= []).push(e.detail);
  if (!problem.errors?.length) (out[''] ??= []).push(problem.detail ?? 'The API refused it.');
  return out;
}

function noticeOf(problem: Problem): string {
  if (problem.status === 0) return problem.detail ?? 'The activity service could not be reached.';
  if (problem.status === 404) return 'There is no such subscription in your sandbox.';
  if (problem.status === 409) return problem.detail ?? 'That cannot be done for this subscription.';
  if (problem.status === 401 || problem.status === 403)
    return 'The activity service refused the sandbox token of your app. Reload the page to try again.';
  return `The activity service answered HTTP ${problem.status}${problem.detail ? `: ${problem.detail}` : ''}.`;
}

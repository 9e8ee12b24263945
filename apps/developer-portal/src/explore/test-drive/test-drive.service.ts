import { Injectable } from '@nestjs/common';
import {
  ActivityClient,
  type EventCatalogue,
  type Problem,
  type SearchPage,
} from '../activity.client';
import { SandboxTokenService, type ExploreApp, type SandboxToken } from '../sandbox-token.service';
import { searchRequest, toCurl, tokenCurl } from './curl';
import { chartTable, HourlyCounter, renderChartSvg, type ChartTable } from './hourly-chart';
import {
  buildQuery,
  CRITERIA,
  formQuery,
  mapApiErrors,
  readForm,
  SUB_ROWS,
  TOP_ROWS,
  type FormErrors,
  type QueryInput,
  type SearchBody,
  type TestDriveForm,
} from './test-drive.query';

/** The search needs both (the contract); the token gets nothing more. */
export const TEST_DRIVE_SCOPES = ['banking-activities:read', 'account:read'] as const;

/** Events the chart counts at most (the export is read as a stream and left there). */
export const CHART_MAX_EVENTS = 50_000;
/** Bars at most: 8 days of hours. */
export const CHART_MAX_BUCKETS = 192;
const CATALOGUE_TTL_MS = 5 * 60_000;

/** Result columns in this order when present; every other member goes to Details. */
const COLUMNS: [key: string, label: string][] = [
  ['timeStamp', 'Time (UTC)'],
  ['eventId', 'Event type'],
  ['userType', 'User type'],
  ['loginId', 'Login id'],
  ['customerId', 'Customer id'],
  ['institutionCustomerId', 'Company'],
  ['accountType', 'Account type'],
  ['channel', 'Channel'],
];

export interface ResultTable {
  count: number;
  columns: string[];
  rows: { cells: string[]; details: string }[];
  nextLink: string | null;
  firstLink: string | null;
}

export interface TestDriveView {
  form: TestDriveForm;
  errors: FormErrors;
  shape: string;
  /** A problem that belongs to no field (the token, the API unreachable, a 5xx). */
  notice: string | null;
  noApp: boolean;
  app: ExploreApp | null;
  apps: ExploreApp[];
  eventGroups: {
    category: string;
    types: { eventId: string; description: string; checked: boolean }[];
  }[];
  attributes: { id: string; type: string }[];
  criteria: readonly string[];
  topRows: number[];
  subRows: number[];
  result: ResultTable | null;
  chart: { svg: string; table: ChartTable; truncated: boolean; total: number } | null;
  curl: string | null;
  tokenCurl: string;
}

export interface TestDriveInput {
  institutionId: string;
  query: QueryInput;
  /** The activity-service and auth-server as the developer reaches them (for curl). */
  activityBaseUrl: string;
  authBaseUrl: string;
  now?: number;
}

/**
 * The test drive: the form's search run against the developer's sandbox FI, as the API answers
 * it: the page, events per hour by type (from the export of the same filters), and the request
 * as curl. Plain inputs; the page's controller renders what this returns.
 */
@Injectable()
export class TestDriveService {
  private catalogue: { at: number; value: EventCatalogue } | null = null;

  constructor(
    private readonly tokens: SandboxTokenService,
    private readonly activity: ActivityClient,
  ) {}

  async run(input: TestDriveInput): Promise<TestDriveView> {
    const now = input.now ?? Date.now();
    const form = readForm(input.query, now);
    const preferred = typeof input.query.app === 'string' ? input.query.app : undefined;
    const view: TestDriveView = {
      form,
      errors: {},
      shape: '',
      notice: null,
      noApp: false,
      app: null,
      apps: [],
      eventGroups: [],
      attributes: [],
      criteria: CRITERIA,
      topRows: [...Array(TOP_ROWS).keys()],
      subRows: [...Array(SUB_ROWS).keys()],
      result: null,
      chart: null,
      curl: null,
      tokenCurl: tokenCurl(input.authBaseUrl, TEST_DRIVE_SCOPES),
    };

    // A token refused by the API (its app revoked since it was minted) is dropped, and the
    // page tried once more with a fresh one (another app, when the developer has one).
    for (let attempt = 0; ; attempt++) {
      const minted = await this.tokens.tokenFor(input.institutionId, TEST_DRIVE_SCOPES, preferred);
      view.apps = minted.apps;
      if (!minted.ok) {
        view.noApp = minted.reason === 'no-app';
        view.notice = minted.detail;
        return view;
      }
      const token = minted.token;
      view.app = token.app;
      const done = await this.runWith(token, view, input);
      if (done !== 'refused') return view;
      this.tokens.forget(token);
      if (attempt === 1) {
        view.notice = noticeOf({ status: 401 });
        return view;
      }
    }
  }

  private async runWith(
    token: SandboxToken,
    view: TestDriveView,
    input: TestDriveInput,
  ): Promise<'done' | 'refused'> {
    const form = view.form;
    let catalogue = await this.catalogueFor(token, input.now ?? Date.now());
    if (catalogue === 'refused') return 'refused';
    if (catalogue === 'unavailable') {
      view.notice =
        'The activity service did not give its event catalogue just now; the form offers no event types.';
      catalogue = { commonAttributes: [], eventTypes: [] };
    }
    this.describeCatalogue(view, catalogue);

    const types = new Map<string, string>();
    for (const a of catalogue.commonAttributes) types.set(a.attributeId, a.type);
    for (const t of catalogue.eventTypes)
      for (const a of t.attributes) types.set(a.attributeId, a.type);
    const query = buildQuery(form, types);
    view.shape = query.shape;
    view.errors = query.errors;
    if (!query.body) return 'done';

    view.curl = toCurl(searchRequest(input.activityBaseUrl, query.body));
    const [page, chart] = await Promise.all([
      this.activity.search(token.accessToken, query.body),
      this.chart(token, query.body),
    ]);
    if (!page.ok) {
      if (page.status === 401) return 'refused';
      if (page.status === 400) view.errors = mapApiErrors(page.problem, query.pointers);
      else view.notice = noticeOf(page.problem);
      return 'done';
    }
    view.result = this.table(page.body, form, view.app !== view.apps[0] ? view.app : null);
    view.chart = chart;
    return 'done';
  }

  /** The chart counts the whole query (not just the page), from the export of the same filters. */
  private async chart(token: SandboxToken, body: SearchBody): Promise<TestDriveView['chart']> {
    const { pageSize: _p, nextPageToken: _t, requestedAttributes: _r, ...filters } = body;
    const counter = new HourlyCounter(Date.parse(body.startTime), Date.parse(body.endTime), {
      maxEvents: CHART_MAX_EVENTS,
      // Hourly for a week and a bit; longer windows get wider buckets, and say so.
      maxBuckets: CHART_MAX_BUCKETS,
    });
    const answer = await this.activity.exportEach(
      token.accessToken,
      { ...filters, requestedAttributes: ['eventId'] },
      (e) => counter.add(String(e.eventId), String(e.timeStamp)),
    );
    if (!answer.ok) return null;
    const series = counter.result();
    return {
      svg: renderChartSvg(series, { idPrefix: 'events-chart' }),
      table: chartTable(series),
      truncated: series.truncated,
      total: series.total,
    };
  }

  /** `app`: the app chosen in the form (not the default one), kept in the page links. */
  private table(page: SearchPage, form: TestDriveForm, app: ExploreApp | null): ResultTable {
    const keep = app ? `&app=${encodeURIComponent(app.clientId)}` : '';
    const items = page.bankingActivities;
    const present = COLUMNS.filter(([key]) =>
      items.some((i) => i[key] !== undefined && i[key] !== null),
    );
    const shown = new Set(present.map(([key]) => key));
    return {
      count: page.count,
      columns: [...present.map(([, label]) => label), 'Details'],
      rows: items.map((item) => ({
        cells: present.map(([key]) => text(item[key])),
        details: Object.entries(item)
          .filter(([key, v]) => !shown.has(key) && v !== null && v !== undefined)
          .map(([key, v]) => `${key}: ${text(v)}`)
          .join('; '),
      })),
      nextLink: page.nextPageToken
        ? `?${formQuery(form, { page: page.nextPageToken })}${keep}`
        : null,
      firstLink: form.page ? `?${formQuery(form, { page: '' })}${keep}` : null,
    };
  }

  private async catalogueFor(
    token: SandboxToken,
    now: number,
  ): Promise<EventCatalogue | 'refused' | 'unavailable'> {
    // The catalogue is the same for every FI; a refused token shows in the search anyway.
    if (this.catalogue && now - this.catalogue.at < CATALOGUE_TTL_MS) return this.catalogue.value;
    const answer = await this.activity.eventTypes(token.accessToken);
    if (!answer.ok) return answer.status === 401 ? 'refused' : 'unavailable';
    this.catalogue = { at: now, value: answer.body };
    return answer.body;
  }

  private describeCatalogue(view: TestDriveView, catalogue: EventCatalogue): void {
    const checked = new Set(view.form.eventIds);
    const groups = new Map<string, TestDriveView['eventGroups'][number]['types']>();
    for (const t of catalogue.eventTypes) {
      const list = groups.get(t.category) ?? [];
      list.push({
        eventId: t.eventId,
        description: t.description,
        checked: checked.has(t.eventId),
      });
      groups.set(t.category, list);
    }
    view.eventGroups = [...groups].map(([category, types]) => ({ category, types }));
    const attributes = new Map<string, string>();
    for (const a of catalogue.commonAttributes) attributes.set(a.attributeId, a.type);
    for (const t of catalogue.eventTypes)
      for (const a of t.attributes)
        if (!attributes.has(a.attributeId)) attributes.set(a.attributeId, a.type);
    view.attributes = [...attributes].map(([id, type]) => ({ id, type }));
  }
}

function text(v: unknown): string {
  if (v === null || v === undefined) return '';
  if (typeof v === 'string') return v;
  if (typeof v === 'number' || typeof v === 'boolean') return String(v);
  return JSON.stringify(v);
}

function noticeOf(problem: Pick<Problem, 'status' | 'detail'>): string {
  if (problem.status === 0) return problem.detail ?? 'The activity service could not be reached.';
  if (problem.status === 401 || problem.status === 403)
    return 'The activity service refused the sandbox token of this app. Reload the page to get a new one; if the app was revoked, pick another app.';
  if (problem.status === 429)
    return 'The activity service is busy with your earlier requests. Try again in a moment.';
  return `The activity service answered HTTP ${problem.status}${problem.detail ? `: ${problem.detail}` : ''}. Try again in a moment.`;
}

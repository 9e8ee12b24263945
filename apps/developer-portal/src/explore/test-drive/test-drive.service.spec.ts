import type { ActivityClient, ApiAnswer, EventCatalogue, SearchPage } from '../activity.client';
import type { SandboxTokenService, TokenResult } from '../sandbox-token.service';
import { TestDriveService } from './test-drive.service';

const NOW = Date.parse('2026-11-30T13:30:00Z');
const CATALOGUE: EventCatalogue = {
  commonAttributes: [
    { attributeId: 'eventId', type: 'string' },
    { attributeId: 'channel', type: 'string' },
  ],
  eventTypes: [
    {
      eventId: 'loginSuccess',
      category: 'authentication',
      description: 'A customer signed in',
      attributes: [{ attributeId: 'clientId', type: 'string' }],
    },
    {
      eventId: 'transferCreated',
      category: 'transfer',
      description: 'A transfer',
      attributes: [{ attributeId: 'amount', type: 'number' }],
    },
  ],
};
const APP = { clientId: 'app-1', name: 'First app', scopes: [], createdAt: '' };

function setup(
  opts: {
    search?: (token: string, body: unknown) => ApiAnswer<SearchPage>;
    tokens?: TokenResult[];
  } = {},
) {
  let minted = 0;
  const tokens = {
    tokenFor: jest.fn(async (): Promise<TokenResult> => {
      const next = opts.tokens?.[minted];
      minted++;
      return (
        next ?? {
          ok: true,
          token: { accessToken: `tok${minted}`, expiresAt: NOW + 300_000, scope: '', app: APP },
          apps: [APP],
        }
      );
    }),
    forget: jest.fn(),
  };
  const exported: unknown[] = [];
  const activity = {
    eventTypes: jest.fn(async () => ({ ok: true, status: 200, body: CATALOGUE })),
    search: jest.fn(
      async (token: string, body: unknown): Promise<ApiAnswer<SearchPage>> =>
        opts.search?.(token, body) ?? {
          ok: true,
          status: 200,
          body: {
            nextPageToken: 'next-token',
            count: 2,
            bankingActivities: [
              {
                guid: 'g1',
                eventId: 'loginSuccess',
                timeStamp: '2026-11-30T10:05:00.000Z',
                userType: 'retail',
                loginId: 'olivia1',
                customerId: null,
                clientId: 'app',
              },
              {
                guid: 'g2',
                eventId: 'transferCreated',
                timeStamp: '2026-11-30T11:15:00.000Z',
                userType: 'business',
                loginId: 'acme<admin>',
                amount: 12.5,
                tags: ['a'],
              },
            ],
          },
        },
    ),
    exportEach: jest.fn(
      async (_t: string, body: unknown, each: (e: Record<string, unknown>) => boolean) => {
        exported.push(body);
        each({ guid: 'g1', eventId: 'loginSuccess', timeStamp: '2026-11-30T10:05:00.000Z' });
        each({ guid: 'g2', eventId: 'transferCreated', timeStamp: '2026-11-30T11:15:00.000Z' });
        each({ guid: 'g3', eventId: 'loginSuccess', timeStamp: '2026-11-30T11:45:00.000Z' });
        return { ok: true as const, status: 200, body: { read: 3, stopped: false } };
      },
    ),
  };
  const service = new TestDriveService(
    tokens as unknown as SandboxTokenService,
    activity as unknown as ActivityClient,
  );
  const run = (query: Record<string, string | string[]>) =>
    service.run({
      institutionId: 'sbx-1',
      query,
      activityBaseUrl: 'http://localhost:3003',
      authBaseUrl: 'http://localhost:3001',
      now: NOW,
    });
  return { service, tokens, activity, exported, run };
}

const window = { from: '2026-11-30T10:00', to: '2026-11-30T12:00' };

describe('TestDriveService', () => {
  it('runs the search, charts the export of the same filters, and shows the curl', async () => {
    const { run, activity, exported, tokens } = setup();
    const view = await run({
      ...window,
      event: ['loginSuccess', 'transferCreated'],
      size: '2',
      attrs: 'loginId',
    });
    const body = {
      startTime: '2026-11-30T10:00:00Z',
      endTime: '2026-11-30T12:00:00Z',
      pageSize: 2,
      eventIds: ['loginSuccess', 'transferCreated'],
      requestedAttributes: ['loginId'],
    };
    expect(tokens.tokenFor).toHaveBeenCalledWith(
      'sbx-1',
      ['banking-activities:read', 'account:read'],
      undefined,
    );
    expect(activity.search).toHaveBeenCalledWith('tok1', body);
    // The chart: every event of the query, without paging, only what it needs.
    expect(exported).toEqual([
      {
        startTime: body.startTime,
        endTime: body.endTime,
        eventIds: body.eventIds,
        requestedAttributes: ['eventId'],
      },
    ]);
    expect(view.shape).toBe('the whole FI, several event types');
    expect(view.result).toEqual({
      count: 2,
      columns: ['Time (UTC)', 'Event type', 'User type', 'Login id', 'Details'],
      rows: [
        {
          cells: ['2026-11-30T10:05:00.000Z', 'loginSuccess', 'retail', 'olivia1'],
          details: 'guid: g1; clientId: app',
        },
        {
          cells: ['2026-11-30T11:15:00.000Z', 'transferCreated', 'business', 'acme<admin>'],
          details: 'guid: g2; amount: 12.5; tags: ["a"]',
        },
      ],
      nextLink: expect.stringContaining('page=next-token'),
      firstLink: null,
    });
    expect(view.chart?.total).toBe(3);
    expect(view.chart?.table.rows).toEqual([
      { label: '2026-11-30 10:00 UTC', counts: [1, 0], total: 1 },
      { label: '2026-11-30 11:00 UTC', counts: [1, 1], total: 2 },
    ]);
    expect(view.chart?.svg).toContain('role="img"');
    expect(view.curl).toContain('-X POST http://localhost:3003/data-apis/v1/banking-activities ');
    expect(view.curl).toContain('"Authorization: Bearer $TOKEN"');
    expect(view.curl).not.toContain('tok1');
    expect(view.tokenCurl).toContain('http://localhost:3001/oauth2/v1/token');
    expect(view.eventGroups).toEqual([
      {
        category: 'authentication',
        types: [{ eventId: 'loginSuccess', description: 'A customer signed in', checked: true }],
      },
      {
        category: 'transfer',
        types: [{ eventId: 'transferCreated', description: 'A transfer', checked: true }],
      },
    ]);
    expect(view.attributes.map((a) => a.id)).toEqual(['eventId', 'channel', 'clientId', 'amount']);
  });

  it('keeps a chosen app (not the first) in the page links', async () => {
    const second = { ...APP, clientId: 'app 2', name: 'Second' };
    const { run } = setup({
      tokens: [
        {
          ok: true,
          token: { accessToken: 'tok', expiresAt: NOW + 300_000, scope: '', app: second },
          apps: [APP, second],
        },
      ],
    });
    const view = await run({ ...window, app: 'app 2', page: 'p1' });
    expect(view.result?.nextLink).toMatch(/page=next-token&app=app%202$/);
    expect(view.result?.firstLink).toMatch(/&app=app%202$/);
    const first = await setup().run(window);
    expect(first.result?.nextLink).not.toContain('app=');
  });

  it('types filter values by the catalogue (amount is a number)', async () => {
    const { run, activity } = setup();
    await run({ ...window, f0attr: 'amount', f0crit: 'greaterThan', f0val: '500' });
    expect(activity.search.mock.calls[0]![1]).toMatchObject({
      additionalFilters: {
        condition: 'and',
        filters: [{ attributeId: 'amount', criteria: 'greaterThan', value: 500 }],
      },
    });
  });

  it("shows a 400's field errors beside the fields, no result, no 500", async () => {
    const { run } = setup({
      search: () => ({
        ok: false,
        status: 400,
        problem: {
          status: 400,
          code: 'BAS_10005',
          detail: '2 invalid arguments.',
          errors: [
            { pointer: '/pageSize', detail: 'must be an integer from 1 to 1000' },
            {
              pointer: '/additionalFilters/filters/0/criteria',
              detail: 'greaterThan does not apply to channel (string)',
            },
          ],
        },
      }),
    });
    const view = await run({
      ...window,
      size: '5000',
      f1attr: 'channel',
      f1crit: 'greaterThan',
      f1val: 'x',
    });
    expect(view.result).toBeNull();
    expect(view.errors).toEqual({
      size: ['must be an integer from 1 to 1000'],
      f1crit: ['greaterThan does not apply to channel (string)'],
    });
    expect(view.notice).toBeNull();
    // The request that was refused is still shown.
    expect(view.curl).toContain('"pageSize": 5000');
  });

  it('a token refused by the API (revoked app) is forgotten and the page tried once more', async () => {
    let calls = 0;
    const { run, tokens, activity } = setup({
      search: () =>
        ++calls === 1
          ? { ok: false, status: 401, problem: { status: 401 } }
          : {
              ok: true,
              status: 204,
              body: { nextPageToken: null, count: 0, bankingActivities: [] },
            },
    });
    const view = await run(window);
    expect(tokens.forget).toHaveBeenCalledTimes(1);
    expect(activity.search.mock.calls.map((c) => c[0])).toEqual(['tok1', 'tok2']);
    expect(view.result).toMatchObject({ count: 0, rows: [] });
  });

  it('without an app that can search, says so and runs nothing', async () => {
    const { run, activity } = setup({
      tokens: [{ ok: false, reason: 'no-app', detail: 'Create one on the Apps page.', apps: [] }],
    });
    const view = await run(window);
    expect(view).toMatchObject({
      noApp: true,
      notice: 'Create one on the Apps page.',
      result: null,
      app: null,
    });
    expect(activity.search).not.toHaveBeenCalled();
  });

  it('an unreachable service is a notice on the page', async () => {
    const { run } = setup({
      search: () => ({
        ok: false,
        status: 0,
        problem: { status: 0, detail: 'The activity service could not be reached.' },
      }),
    });
    const view = await run(window);
    expect(view.notice).toBe('The activity service could not be reached.');
    expect(view.result).toBeNull();
  });

  it('the form alone refuses what it cannot send, without calling the API', async () => {
    const { run, activity } = setup();
    const view = await run({ from: 'soon', to: '2026-11-30T12:00' });
    expect(view.errors).toEqual({ from: ['must be a date and time (UTC)'] });
    expect(activity.search).not.toHaveBeenCalled();
    expect(view.curl).toBeNull();
  });
});

import type { ActivityClient, ApiAnswer } from '../activity.client';
import type { SandboxTokenService, TokenResult } from '../sandbox-token.service';
import { DELIVERY_SCOPES, DeliveriesService } from './deliveries.service';

const APP = { clientId: 'app-1', name: 'First app', scopes: [], createdAt: '' };
const SUB = {
  subscriptionId: '0b9e6c1e-1111-4111-8111-111111111111',
  name: 'Receiver',
  cadence: 'realtime',
  status: 'active',
  pausedReason: null,
  destination: { type: 'webhook', url: 'http://127.0.0.1:9999/hooks' },
  lastSequence: 3,
  createdAt: '2026-11-30T10:00:00.000Z',
};
const FILES = {
  ...SUB,
  subscriptionId: '0b9e6c1e-2222-4222-8222-222222222222',
  name: 'Files',
  cadence: 'daily',
  destination: { type: 'sftp', host: 'sftp.example', directory: '/in' },
  lastSequence: null,
};

function setup(answers: Partial<Record<keyof ActivityClient, (...a: unknown[]) => unknown>> = {}) {
  let n = 0;
  const tokens = {
    tokenFor: jest.fn(async (): Promise<TokenResult> => ({
      ok: true,
      token: { accessToken: `tok${++n}`, expiresAt: 0, scope: '', app: APP },
      apps: [APP],
    })),
    forget: jest.fn(),
  };
  const ok = <T>(body: T): ApiAnswer<T> => ({ ok: true, status: 200, body });
  const activity = {
    subscriptions: jest.fn(async () => ok({ count: 2, subscriptions: [SUB, FILES] })),
    deliveries: jest.fn(async () =>
      ok({
        count: 2,
        nextPageToken: 'older',
        deliveries: [
          {
            deliveryId: 'd2',
            sequence: null,
            type: 'test',
            count: 0,
            status: 'delivered',
            nextAttemptAt: null,
            createdAt: '2026-11-30T12:00:00.000Z',
            attempts: [
              { at: '2026-11-30T12:00:00.100Z', statusCode: 200, durationMs: 12, error: null },
            ],
          },
          {
            deliveryId: 'd1',
            sequence: 3,
            type: 'batch',
            replay: true,
            count: 40,
            status: 'pending',
            nextAttemptAt: '2026-11-30T12:05:00.000Z',
            createdAt: '2026-11-30T11:00:00.000Z',
            attempts: [
              {
                at: '2026-11-30T11:00:00.000Z',
                statusCode: null,
                durationMs: null,
                error: 'ECONNREFUSED',
              },
            ],
          },
        ],
      }),
    ),
    testDelivery: jest.fn(async () =>
      ok({ deliveryId: 'd2', status: 'delivered', statusCode: 200, durationMs: 12, error: null }),
    ),
    createSubscription: jest.fn(async () => ok({ ...SUB, secret: 'whsec_abc' })),
  };
  // Overrides stay mocks, so calls can be counted.
  for (const [name, fn] of Object.entries(answers))
    (activity as Record<string, jest.Mock>)[name] = jest.fn(fn as (...a: unknown[]) => unknown);
  return {
    tokens,
    activity,
    service: new DeliveriesService(
      tokens as unknown as SandboxTokenService,
      activity as unknown as ActivityClient,
    ),
  };
}

describe('DeliveriesService', () => {
  it('lists subscriptions with a token holding the delivery scopes', async () => {
    const { service, tokens, activity } = setup();
    const view = await service.page('sbx-1', {});
    expect(tokens.tokenFor).toHaveBeenCalledWith('sbx-1', DELIVERY_SCOPES);
    expect(activity.subscriptions).toHaveBeenCalledWith('tok1');
    expect(view.subscriptions).toEqual([
      {
        subscriptionId: SUB.subscriptionId,
        name: 'Receiver',
        cadence: 'realtime',
        destination: 'webhook http://127.0.0.1:9999/hooks',
        webhook: true,
        status: 'active',
        pausedReason: null,
        lastSequence: 3,
        createdAt: SUB.createdAt,
      },
      expect.objectContaining({
        destination: 'SFTP sftp.example:/in',
        webhook: false,
        lastSequence: null,
      }),
    ]);
    expect(view.log).toBeNull();
  });

  it("shows one subscription's log, the tested delivery highlighted and its outcome said", async () => {
    const { service, activity } = setup();
    const view = await service.page('sbx-1', {
      subscription: SUB.subscriptionId,
      page: 'p',
      tested: 'd2',
    });
    expect(activity.deliveries).toHaveBeenCalledWith('tok2', SUB.subscriptionId, 'p');
    expect(view.log).toEqual({
      nextPageToken: 'older',
      rows: [
        {
          deliveryId: 'd2',
          createdAt: '2026-11-30T12:00:00.000Z',
          sequence: '—',
          type: 'test',
          count: 0,
          status: 'delivered',
          nextAttemptAt: null,
          attempts: [{ at: '2026-11-30T12:00:00.100Z', result: 'HTTP 200, 12 ms' }],
          highlighted: true,
        },
        expect.objectContaining({
          type: 'batch (replay)',
          sequence: '3',
          attempts: [{ at: '2026-11-30T11:00:00.000Z', result: 'no answer, ECONNREFUSED' }],
          highlighted: false,
        }),
      ],
    });
    expect(view.tested).toBe('The test delivery was sent: delivered (HTTP 200, 12 ms).');
  });

  it("never asks for the log of a subscription that is not the organization's", async () => {
    const { service, activity } = setup();
    const view = await service.page('sbx-1', { subscription: 'someone-elses' });
    expect(activity.deliveries).not.toHaveBeenCalled();
    expect(view.notice).toBe('There is no such subscription in your sandbox.');
  });

  it('creates a webhook subscription and hands back its secret once', async () => {
    const { service, activity } = setup();
    const created = await service.create('sbx-1', {
      name: ' Receiver ',
      cadence: 'realtime',
      url: 'http://127.0.0.1:9999/hooks',
    });
    expect(activity.createSubscription).toHaveBeenCalledWith('tok1', {
      name: 'Receiver',
      cadence: 'realtime',
      destination: { type: 'webhook', url: 'http://127.0.0.1:9999/hooks' },
    });
    expect(created).toMatchObject({
      ok: true,
      secret: 'whsec_abc',
      subscription: { name: 'Receiver' },
    });
  });

  it('refuses an empty form itself, and puts the API field errors on the fields', async () => {
    const { service, activity } = setup({
      createSubscription: async () => ({
        ok: false,
        status: 400,
        problem: {
          status: 400,
          errors: [
            { pointer: '/destination/url', detail: 'must be https' },
            { pointer: '/name', detail: 'is too long' },
          ],
        },
      }),
    });
    expect(await service.create('sbx-1', { name: '', cadence: 'weekly', url: '' })).toEqual({
      ok: false,
      notice: null,
      errors: {
        name: ['Give the subscription a name.'],
        cadence: ['Choose realtime, hourly or daily.'],
        url: ['Give the URL that receives the deliveries.'],
      },
    });
    expect(activity.createSubscription).not.toHaveBeenCalled();
    expect(await service.create('sbx-1', { name: 'n', cadence: 'hourly', url: 'ftp://x' })).toEqual(
      {
        ok: false,
        notice: null,
        errors: { url: ['must be https'], name: ['is too long'] },
      },
    );
  });

  it('sends a test delivery; a refused token is dropped and the call made once more', async () => {
    let calls = 0;
    const { service, tokens } = setup({
      testDelivery: async () =>
        ++calls === 1
          ? { ok: false, status: 401, problem: { status: 401 } }
          : { ok: true, status: 200, body: { deliveryId: 'd9' } },
    });
    expect(await service.test('sbx-1', SUB.subscriptionId)).toEqual({ ok: true, deliveryId: 'd9' });
    expect(tokens.forget).toHaveBeenCalledTimes(1);
  });

  it('a test of a subscription without a webhook is a notice, not an error page', async () => {
    const { service } = setup({
      testDelivery: async () => ({
        ok: false,
        status: 409,
        problem: { status: 409, detail: 'This subscription does not deliver to a webhook.' },
      }),
    });
    expect(await service.test('sbx-1', FILES.subscriptionId)).toEqual({
      ok: false,
      notice: 'This subscription does not deliver to a webhook.',
    });
  });
});

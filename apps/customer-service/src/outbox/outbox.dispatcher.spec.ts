import { Logger } from '@nestjs/common';
import { FakeUnitOfWork, testEnv } from '../testing/fakes';
import { OutboxDispatcher } from './outbox.dispatcher';

const row = (id: string) => ({ id, payload: { guid: id } });

function build(delivery: Record<string, unknown> = {}) {
  const uow = new FakeUnitOfWork();
  const outbox = {
    claimDue: jest
      .fn()
      .mockResolvedValueOnce([row('a'), row('b')])
      .mockResolvedValue([]),
    markDelivered: jest.fn().mockResolvedValue(undefined),
    markDead: jest.fn().mockResolvedValue(undefined),
    scheduleRetry: jest.fn().mockResolvedValue(undefined),
  };
  const activity = { missingConfiguration: undefined, deliver: jest.fn(), ...delivery };
  const dispatcher = new OutboxDispatcher(
    uow.asUnitOfWork,
    outbox as never,
    testEnv({ OUTBOX_RETRY_BASE_MS: '1000', OUTBOX_RETRY_MAX_MS: '5000' }),
    activity as never,
  );
  return { dispatcher, uow, outbox, activity };
}

describe('OutboxDispatcher', () => {
  beforeEach(() => {
    jest.spyOn(Logger.prototype, 'warn').mockImplementation(() => undefined);
    jest.spyOn(Logger.prototype, 'error').mockImplementation(() => undefined);
  });
  afterEach(() => jest.restoreAllMocks());

  it('stays idle, without polling, when delivery is not configured', async () => {
    const interval = jest.spyOn(global, 'setInterval');
    const { dispatcher, outbox } = build({ missingConfiguration: 'ACTIVITY_SERVICE_URL' });
    dispatcher.onApplicationBootstrap();
    expect(interval).not.toHaveBeenCalled();
    expect(Logger.prototype.warn).toHaveBeenCalledWith(
      expect.stringContaining('idle: ACTIVITY_SERVICE_URL'),
    );
    await dispatcher.onApplicationShutdown();
    expect(outbox.claimDue).not.toHaveBeenCalled();
  });

  it('marks a delivered batch dispatched in the transaction that claimed it', async () => {
    const { dispatcher, uow, outbox, activity } = build();
    activity.deliver.mockResolvedValue({ kind: 'delivered' });
    await expect(dispatcher.drain()).resolves.toBe(2);
    expect(activity.deliver).toHaveBeenCalledWith([{ guid: 'a' }, { guid: 'b' }]);
    expect(outbox.markDelivered).toHaveBeenCalledWith(['a', 'b']);
    expect(uow.transactions).toBe(1);
  });

  it('sends a refused batch one by one, keeping only the refused event as dead', async () => {
    const { dispatcher, outbox, activity } = build();
    activity.deliver
      .mockResolvedValueOnce({ kind: 'rejected', error: '400' })
      .mockResolvedValueOnce({ kind: 'delivered' })
      .mockResolvedValueOnce({ kind: 'rejected', error: '422' });
    await dispatcher.drain();
    expect(outbox.markDelivered).toHaveBeenCalledWith(['a']);
    expect(outbox.markDead).toHaveBeenCalledWith(['b'], '422');
  });

  it('schedules a retry with the configured backoff when delivery fails', async () => {
    const { dispatcher, outbox, activity } = build();
    activity.deliver.mockResolvedValue({ kind: 'retry', error: 'ECONNREFUSED' });
    await dispatcher.drain();
    expect(outbox.scheduleRetry).toHaveBeenCalledWith(['a', 'b'], 'ECONNREFUSED', {
      baseMs: 1000,
      maxMs: 5000,
    });
    expect(outbox.markDelivered).not.toHaveBeenCalled();
  });
});

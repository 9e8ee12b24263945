import { Logger } from '@nestjs/common';
import { loadEnv } from '@app/common';
import { CustomerEnv } from '../config/customer.env';
import { OutboxDispatcher } from './outbox.dispatcher';

describe('OutboxDispatcher', () => {
  afterEach(() => jest.restoreAllMocks());

  it('stays idle, without polling, when delivery is not configured', async () => {
    const env = loadEnv(CustomerEnv, { DATABASE_URL: 'postgres://localhost/db' });
    const interval = jest.spyOn(global, 'setInterval');
    const warn = jest.spyOn(Logger.prototype, 'warn').mockImplementation(() => undefined);
    const dataSource = { transaction: jest.fn() };
    const dispatcher = new OutboxDispatcher(dataSource as never, env, {
      missingConfiguration: 'ACTIVITY_SERVICE_URL',
    } as never);
    dispatcher.onApplicationBootstrap();
    expect(interval).not.toHaveBeenCalled();
    expect(warn).toHaveBeenCalledTimes(1);
    expect(warn).toHaveBeenCalledWith(expect.stringContaining('idle: ACTIVITY_SERVICE_URL'));
    await dispatcher.onApplicationShutdown();
    expect(dataSource.transaction).not.toHaveBeenCalled();
  });
});

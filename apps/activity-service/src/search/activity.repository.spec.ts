import type { ActivityDatabase } from '../storage/activity-database';
import { ActivityRepository } from './activity.repository';

describe('ActivityRepository', () => {
  it('turns a query cut by statement_timeout into 503 ACTIVITY_UNAVAILABLE', async () => {
    const query = jest
      .fn()
      .mockRejectedValue(Object.assign(new Error('canceling statement'), { code: '57014' }));
    const repository = new ActivityRepository({ query } as unknown as ActivityDatabase);
    await expect(repository.searchPage({ text: 'SELECT 1', values: [] })).rejects.toMatchObject({
      code: 'ACTIVITY_UNAVAILABLE',
      status: 503,
    });
  });

  it('answers 503 when no export connection is free', async () => {
    const exportPool = { connect: jest.fn().mockRejectedValue(new Error('timeout')) };
    const repository = new ActivityRepository({ exportPool } as unknown as ActivityDatabase);
    await expect(repository.exportCursor({ text: 'SELECT 1', values: [] })).rejects.toMatchObject({
      code: 'ACTIVITY_UNAVAILABLE',
    });
  });
});

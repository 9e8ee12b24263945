import type { ActivityDatabase } from '../storage/activity-database';
import { ActivityRepository } from './activity.repository';

describe('ActivityRepository', () => {
  it('turns a query cut by statement_timeout into 503 ACTIVITY_UNAVAILABLE', async () => {
    const query = jest
      .fn()
      .mockRejectedValue(Object.assign(new Error('canceling statement'), { code: '57014' }));
    const repository = new ActivityRepository({
      searchPool: () => ({ query }),
    } as unknown as ActivityDatabase);
    await expect(repository.searchPage({ text: 'SELECT 1', values: [] })).rejects.toMatchObject({
      code: 'ACTIVITY_UNAVAILABLE',
      status: 503,
    });
  });

  it('answers 503 when no export connection is free', async () => {
    const exportPool = { connect: jest.fn().mockRejectedValue(new Error('timeout')) };
    const repository = new ActivityRepository({
      exportPoolFor: () => exportPool,
    } as unknown as ActivityDatabase);
    await expect(repository.exportCursor({ text: 'SELECT 1', values: [] })).rejects.toMatchObject({
      code: 'ACTIVITY_UNAVAILABLE',
    });
  });

  it('reads from the replica unless the caller asks for strong consistency', async () => {
    const replica = { query: jest.fn().mockResolvedValue({ rows: [{ seq: '1' }] }) };
    const primary = { query: jest.fn().mockResolvedValue({ rows: [{ seq: '2' }] }) };
    const repository = new ActivityRepository({
      searchPool: (from: string) => (from === 'primary' ? primary : replica),
    } as unknown as ActivityDatabase);
    const sql = { text: 'SELECT 1', values: [] };
    expect(await repository.searchPage(sql)).toEqual({ seq: '1' });
    expect(await repository.searchPage(sql, 'strong')).toEqual({ seq: '2' });
    expect(replica.query).toHaveBeenCalledTimes(1);
    expect(primary.query).toHaveBeenCalledTimes(1);
  });

  it('runs a named page statement by its name (parsed once per connection)', async () => {
    const query = jest.fn().mockResolvedValue({ rows: [{ rows: 0, items: null }] });
    const repository = new ActivityRepository({
      searchPool: () => ({ query }),
    } as unknown as ActivityDatabase);
    await repository.searchPage({ name: 'search_x', text: 'SELECT 1', values: [1] });
    expect(query).toHaveBeenCalledWith({ name: 'search_x', text: 'SELECT 1', values: [1] });
  });
});

import { advisoryLock, PeriodicTask } from '@app/common';
import { DataSource } from 'typeorm';
import { createTestDatabase, type TestDatabase } from '../support/database';

/** The advisory lock of PeriodicTask on a real PostgreSQL: one replica at a time. */
describe('PeriodicTask with an advisory lock', () => {
  let db: TestDatabase;
  const sources: DataSource[] = [];

  beforeAll(async () => {
    db = await createTestDatabase('periodic_task');
    for (let i = 0; i < 2; i++)
      sources.push(await new DataSource({ type: 'postgres', url: db.url }).initialize());
  });
  afterAll(async () => {
    await Promise.all(sources.map((s) => s.destroy()));
    await db?.drop();
  });

  it('lets one of two replicas run at a time, and the other once the lock is free', async () => {
    let inside = 0;
    let most = 0;
    let release!: () => void;
    const gate = new Promise<void>((r) => (release = r));
    const replicas = sources.map(
      (ds) =>
        new PeriodicTask({
          name: 'exclusive',
          intervalMs: 60_000,
          logger: { error: jest.fn() },
          lock: advisoryLock(ds, 'test:exclusive'),
          run: async () => {
            inside++;
            most = Math.max(most, inside);
            await gate;
            inside--;
            return 'ran';
          },
        }),
    );
    const first = replicas[0]!.trigger();
    // Wait until the first replica is inside its run (it holds the lock).
    while (inside === 0) await new Promise((r) => setTimeout(r, 10));
    expect(await replicas[1]!.trigger()).toBeUndefined();
    release();
    expect(await first).toBe('ran');
    expect(await replicas[1]!.trigger()).toBe('ran');
    expect(most).toBe(1);
    await Promise.all(replicas.map((r) => r.stop()));
  });
});

import { applyMigrations, dataSourceOptions } from '@app/common';
import { DataSource } from 'typeorm';
import { authDatabase } from '../../apps/auth-server/src/database';
import { migrations } from '../../apps/auth-server/src/migrations';
import { createTestDatabase, type TestDatabase } from '../support/database';

describe('auth schema migrations', () => {
  let db: TestDatabase;
  let ds: DataSource;

  beforeAll(async () => {
    db = await createTestDatabase('auth_mig');
    ds = await new DataSource(dataSourceOptions(db.url, authDatabase)).initialize();
  });
  afterAll(async () => {
    await ds?.destroy();
    await db?.drop();
  });

  it('apply on an empty database, are idempotent, and match the entities exactly', async () => {
    expect(await applyMigrations(ds, 'auth')).toEqual(migrations.map((m) => m.name));
    expect(await applyMigrations(ds, 'auth')).toEqual([]);
    const drift = await ds.driver.createSchemaBuilder().log();
    expect(drift.upQueries.map((q) => q.query)).toEqual([]);
  });

  it('revert cleanly', async () => {
    for (let i = 0; i < migrations.length; i++) await ds.undoLastMigration();
    const tables = await ds.query(
      `SELECT table_name FROM information_schema.tables WHERE table_schema = 'auth' AND table_name <> 'migrations'`,
    );
    expect(tables).toEqual([]);
  });
});

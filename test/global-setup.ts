import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startEmbeddedPostgres } from '../scripts/embedded-postgres';

/**
 * One PostgreSQL for the whole run: DATABASE_URL when set, otherwise a throwaway embedded
 * cluster. Each test file then creates its own database in it (test/support/database.ts).
 */
export default async function globalSetup(): Promise<void> {
  if (process.env.DATABASE_URL) {
    process.env.TEST_PG_URL = process.env.DATABASE_URL;
    return;
  }
  const db = await startEmbeddedPostgres({
    dir: mkdtempSync(join(tmpdir(), 'pg-test-')),
    persistent: false,
  });
  process.env.TEST_PG_URL = db.url;
  (globalThis as { __testDb?: { stop(): Promise<void> } }).__testDb = db;
}

import { randomBytes } from 'node:crypto';
import { Client, Pool, type ClientConfig } from 'pg';

export interface TestDatabase {
  url: string;
  drop(): Promise<void>;
}

function baseUrl(): string {
  const url = process.env.TEST_PG_URL;
  if (!url)
    throw new Error(
      'TEST_PG_URL is not set: run tests through jest (global-setup starts PostgreSQL)',
    );
  return url;
}

async function admin<T>(fn: (c: Client) => Promise<T>): Promise<T> {
  // Bounded, so a stuck housekeeping statement fails a hook with a reason instead of a timeout.
  const client = new Client({
    connectionString: baseUrl(),
    connectionTimeoutMillis: 5_000,
    query_timeout: 15_000,
  });
  await client.connect();
  try {
    return await fn(client);
  } finally {
    await client.end();
  }
}

/** A fresh, empty database for one test file; services apply their own migrations in it. */
export async function createTestDatabase(label = 'test'): Promise<TestDatabase> {
  const name = `${label.replace(/[^a-z0-9]/gi, '_').toLowerCase()}_${randomBytes(4).toString('hex')}`;
  await admin((c) => c.query(`CREATE DATABASE "${name}"`));
  const url = new URL(baseUrl());
  url.pathname = `/${name}`;
  return {
    url: url.toString(),
    drop: async () => {
      try {
        await admin((c) => c.query(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`));
      } catch (err) {
        // Cleanup only: the throwaway cluster goes at global teardown. Say what held it.
        const holders = await admin((c) =>
          c.query<{ line: string }>(
            `SELECT concat_ws(' ', pid, backend_type, state, wait_event_type, wait_event,
                    left(query, 80)) AS line
               FROM pg_stat_activity WHERE datname = $1 OR wait_event_type = 'Lock'`,
            [name],
          ),
        ).then(
          (r) => r.rows.map((row) => row.line).join('; '),
          () => 'unknown',
        );
        console.warn(`could not drop ${name}: ${(err as Error).message}; sessions: ${holders}`);
      }
    },
  };
}

/**
 * A pool for a test's own queries. When the server ends one of its idle clients (57P01, as the
 * replicas system test saw once mid-test), the pool discards that client and emits 'error';
 * with no listener the event fails whichever test happens to run. Queries still report their
 * own errors.
 */
export function testPool(url: string, max: number): Pool {
  const pool = new Pool({ connectionString: url, max });
  pool.on('error', () => undefined);
  return pool;
}

/**
 * A connected client that a test keeps open across awaits. Like testPool's: if the server ends
 * it, its 'error' event is listened to, and the test's next query on it fails instead.
 */
export async function testClient(config: ClientConfig): Promise<Client> {
  const client = new Client(config);
  client.on('error', () => undefined);
  await client.connect();
  return client;
}

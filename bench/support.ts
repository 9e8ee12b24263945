import {
  existsSync,
  lstatSync,
  mkdtempSync,
  readFileSync,
  readdirSync,
  realpathSync,
  rmSync,
} from 'node:fs';
import { join } from 'node:path';
import { spawn, type ChildProcess } from 'node:child_process';
import { cpus, loadavg, tmpdir, totalmem } from 'node:os';
import autocannon from 'autocannon';
import { Client } from 'pg';
import { startEmbeddedPostgres, type EmbeddedDatabase } from '../scripts/embedded-postgres';

export interface Round {
  requestsPerSecond: number;
  p50: number;
  p99: number;
  non2xx: number;
  errors: number;
}

export const median = (xs: number[]): number => {
  const s = [...xs].sort((a, b) => a - b);
  const m = Math.floor(s.length / 2);
  return s.length % 2 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
};

export function machine(): string {
  return `${cpus().length} x ${cpus()[0]?.model ?? 'cpu'}, ${Math.round(totalmem() / 2 ** 30)} GiB, Node ${process.version}, load ${loadavg()
    .map((l) => l.toFixed(2))
    .join(' ')}`;
}

/** One autocannon round against a running server (the load generator is this process). */
export async function round(options: autocannon.Options): Promise<Round> {
  const result = await autocannon({ ...options });
  return {
    requestsPerSecond: result.requests.average,
    p50: result.latency.p50,
    p99: result.latency.p99,
    non2xx: result.non2xx,
    errors: result.errors + result.timeouts,
  };
}

const children = new Set<ChildProcess>();
// A failed benchmark must not leave servers behind.
process.on('exit', () => children.forEach((c) => c.kill('SIGKILL')));

/** Node's own flags for the benchmarked servers: BENCH_NODE_ARGS="--cpu-prof --cpu-prof-dir=DIR". */
export const benchNodeArgs = (): string[] =>
  process.env.BENCH_NODE_ARGS?.split(' ').filter(Boolean) ?? [];

export function spawnNode(script: string, args: string[], env: NodeJS.ProcessEnv): ChildProcess {
  const child = spawn(process.execPath, [...benchNodeArgs(), script, ...args], {
    env,
    stdio: ['ignore', 'ignore', 'inherit'],
  });
  children.add(child);
  child.once('exit', () => children.delete(child));
  return child;
}

export async function waitFor(url: string, timeoutMs = 60_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    try {
      if ((await fetch(url)).ok) return;
    } catch {
      // not yet
    }
    await new Promise((r) => setTimeout(r, 200));
  }
  throw new Error(`${url} not up`);
}

export function stop(child: ChildProcess): Promise<void> {
  return new Promise((resolve) => {
    if (child.exitCode !== null) return resolve();
    child.once('exit', () => resolve());
    child.kill('SIGTERM');
  });
}

/**
 * Removes a benchmark's throwaway cluster folder. As root, scripts/embedded-postgres.ts keeps
 * the cluster under /var/lib and leaves a symlink where it was asked for, so removing the
 * folder alone removed the link and left every run's cluster behind (13 GB for each
 * bench:activity run of 10 M events; 78 GB had piled up in a day and filled the disk).
 */
export function removeClusterDir(dir: string): void {
  if (existsSync(dir)) rmSync(realpathSync(dir), { recursive: true, force: true });
  rmSync(dir, { recursive: true, force: true });
}

/** The throwaway cluster folders' names, one per benchmark (mkdtemp adds six characters). */
export const BENCH_CLUSTER_PREFIXES = [
  'activity-bench-',
  'activity-ingest-bench-',
  'bench-auth-',
  'bench-customer-pg-',
  'delivery-files-bench-',
  'delivery-realtime-bench-',
] as const;

/**
 * A new throwaway cluster folder for a benchmark, after removing the ones killed runs left: a
 * run stopped by a signal or a crash never reached removeClusterDir, and as root each left 2-13
 * GB under /var/lib. Only this file's own names are swept, only when no PostgreSQL runs in them
 * and they are older than `minAgeMs` (a run that made its folder and is still starting keeps it).
 */
export function benchClusterDir(
  prefix: (typeof BENCH_CLUSTER_PREFIXES)[number],
  { parent = tmpdir(), minAgeMs = 10 * 60_000 } = {},
): string {
  sweepAbandonedClusters(parent, minAgeMs);
  return mkdtempSync(join(parent, prefix));
}

/** Removes benchmark cluster folders in `parent` left by runs that are gone; returns them. */
export function sweepAbandonedClusters(parent: string, minAgeMs: number): string[] {
  const pattern = new RegExp(`^(${BENCH_CLUSTER_PREFIXES.join('|')})[A-Za-z0-9]{6}$`);
  const swept: string[] = [];
  for (const name of readdirSync(parent)) {
    if (!pattern.test(name)) continue;
    const dir = join(parent, name);
    try {
      if (Date.now() - lstatSync(dir).mtimeMs < minAgeMs || postmasterAlive(dir)) continue;
      removeClusterDir(dir);
      swept.push(dir);
    } catch {
      // Gone meanwhile, or not ours to remove: left as it is.
    }
  }
  return swept;
}

/** Whether the cluster's postmaster.pid names a live process. */
function postmasterAlive(dir: string): boolean {
  let pid: number;
  try {
    pid = Number(readFileSync(join(dir, 'postmaster.pid'), 'utf8').split('\n')[0]);
  } catch {
    return false;
  }
  if (!Number.isInteger(pid) || pid <= 0) return false;
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    // EPERM: it exists, owned by someone else (the postgres user).
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** PostgreSQL as a server for 10 M events would be set up, for the activity benchmarks. */
export const PG_SETTINGS: Record<string, string> = {
  shared_buffers: '4GB',
  effective_cache_size: '12GB',
  work_mem: '32MB',
  maintenance_work_mem: '1GB',
  max_wal_size: '16GB',
  checkpoint_timeout: '30min',
  random_page_cost: '1.1',
};

/** An embedded cluster with PG_SETTINGS: where it keeps its data, whether it got huge pages. */
export interface TunedPostgres extends EmbeddedDatabase {
  /** `data_directory`: as root, where the postgres user reaches it, not the directory passed. */
  dataDirectory: string;
  /** `huge_pages_status`: on or off, which the machine decides (vm.nr_hugepages). */
  hugePages: string;
}

/**
 * An embedded cluster with PG_SETTINGS: the embedded defaults (128 MB of shared buffers) suit
 * tests, not 10 million events. Durable (fsync on), unlike the test cluster. The settings are
 * applied with ALTER SYSTEM and a restart. Prints whether the 4 GB of shared buffers sit on huge
 * pages: PostgreSQL's default `huge_pages = try` uses them only when the machine has them
 * reserved, and they moved ingest's PostgreSQL CPU per event by about a tenth (docs/SCALE-OUT.md).
 */
export async function startTunedPostgres(dir: string, port?: number): Promise<TunedPostgres> {
  const first = await startEmbeddedPostgres({ dir, port, persistent: true });
  const client = new Client({ connectionString: first.url });
  await client.connect();
  for (const [name, value] of Object.entries(PG_SETTINGS)) {
    await client.query(`ALTER SYSTEM SET ${name} = '${value}'`);
  }
  await client.end();
  await first.stop();
  const tuned = await startEmbeddedPostgres({ dir, port, persistent: true });
  const probe = new Client({ connectionString: tuned.url });
  await probe.connect();
  const { directory, status, needed } = (
    await probe.query<{ directory: string; status: string; needed: string }>(
      `SELECT current_setting('data_directory') AS directory,
              current_setting('huge_pages_status') AS status,
              current_setting('shared_memory_size_in_huge_pages') AS needed`,
    )
  ).rows[0]!;
  await probe.end();
  console.log(
    `  PostgreSQL's shared memory on huge pages: ${status}${status === 'on' ? '' : ` (to reserve them, as for a production server: sysctl -w vm.nr_hugepages=${needed}; docs/SCALE-OUT.md)`}`,
  );
  return Object.assign(tuned, { dataDirectory: directory, hugePages: status });
}

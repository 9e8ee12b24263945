import {
  existsSync,
  lutimesSync,
  mkdirSync,
  mkdtempSync,
  rmSync,
  symlinkSync,
  utimesSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { spawn } from 'node:child_process';
import { benchClusterDir, sweepAbandonedClusters } from '../../bench/support';

/** The benchmarks' sweep of the throwaway clusters that killed runs left behind. */
describe('benchmark cluster folders', () => {
  let parent: string;
  let elsewhere: string;
  const hourAgo = new Date(Date.now() - 3_600_000);

  beforeEach(() => {
    parent = mkdtempSync(join(tmpdir(), 'sweep-parent-'));
    elsewhere = mkdtempSync(join(tmpdir(), 'sweep-kept-'));
  });
  afterEach(() => {
    rmSync(parent, { recursive: true, force: true });
    rmSync(elsewhere, { recursive: true, force: true });
  });

  const folder = (name: string, options: { old?: boolean; pid?: number } = {}) => {
    const dir = join(parent, name);
    mkdirSync(dir);
    if (options.pid !== undefined) {
      writeFileSync(join(dir, 'postmaster.pid'), `${options.pid}\n${dir}\n`);
    }
    if (options.old) utimesSync(dir, hourAgo, hourAgo);
    return dir;
  };

  it('removes old ones no PostgreSQL runs in, and keeps the rest', async () => {
    const dead = spawn(process.execPath, ['-e', '']);
    const deadPid = dead.pid!;
    await new Promise((resolve) => dead.once('exit', resolve));

    const abandoned = folder('activity-bench-Ab12Cd', { old: true });
    const stalePid = folder('bench-customer-pg-x1y2z3', { old: true, pid: deadPid });
    const running = folder('activity-ingest-bench-Qw3rTy', { old: true, pid: process.pid });
    const starting = folder('delivery-files-bench-n3wOne');
    const notOurs = folder('activity-benchmark-notes', { old: true });
    const other = folder('migration-Ab12Cd', { old: true });
    // As root, the cluster lives elsewhere and the folder is a symlink to it.
    const cluster = join(elsewhere, 'cluster');
    mkdirSync(cluster);
    writeFileSync(join(cluster, 'PG_VERSION'), '18\n');
    const linked = join(parent, 'delivery-realtime-bench-L1nk3d');
    symlinkSync(cluster, linked);
    lutimesSync(linked, hourAgo, hourAgo);

    const swept = sweepAbandonedClusters(parent, 10 * 60_000);

    expect(swept.sort()).toEqual([abandoned, stalePid, linked].sort());
    for (const gone of [abandoned, stalePid, linked, cluster]) expect(existsSync(gone)).toBe(false);
    for (const kept of [running, starting, notOurs, other]) expect(existsSync(kept)).toBe(true);
  });

  it('makes a fresh folder with the benchmark prefix after sweeping', () => {
    const abandoned = folder('bench-auth-0ld0ne', { old: true });
    const dir = benchClusterDir('bench-auth-', { parent });
    expect(dir).toMatch(new RegExp(`^${parent}/bench-auth-[A-Za-z0-9]{6}$`));
    expect(existsSync(dir)).toBe(true);
    expect(existsSync(abandoned)).toBe(false);
  });
});

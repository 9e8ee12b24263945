import { createHash, timingSafeEqual } from 'node:crypto';
import { Injectable } from '@nestjs/common';
import { Client, type ConnectConfig, type SFTPWrapper } from 'ssh2';
import { ActivityEnv } from '../../config/activity.env';
import type { SftpDestination } from '../delivery.ports';

/** One file to put: its path under the destination's directory, and its bytes. */
export interface SftpUpload {
  /** Relative to `directory`, `/`-separated (`2026/11/30/name.ndjson.gz`). */
  path: string;
  content: AsyncIterable<Buffer> | Buffer;
}

/** An SFTP delivery that failed; `hostKey` when the server's key is not the pinned one. */
export class SftpDeliveryError extends Error {
  constructor(
    message: string,
    readonly reason: 'hostKey' | 'timeout' | 'connection' | 'transfer',
  ) {
    super(message);
    this.name = 'SftpDeliveryError';
  }
}

/**
 * The pinned host-key fingerprint as 32 bytes: base64 or base64url (padded or not, with or
 * without OpenSSH's `SHA256:` prefix, as `ssh-keygen -lf` prints it), or hex (64 digits, colons
 * allowed). Null when it is neither.
 */
export function parseHostKeySha256(pinned: string): Buffer | null {
  const v = pinned.trim().replace(/^sha256:/i, '');
  if (/^[0-9a-f]{64}$/i.test(v)) return Buffer.from(v, 'hex');
  if (/^([0-9a-f]{2}:){31}[0-9a-f]{2}$/i.test(v)) return Buffer.from(v.replace(/:/g, ''), 'hex');
  if (/^[A-Za-z0-9+/_-]{43}=?$/.test(v)) {
    const bytes = Buffer.from(
      v.replace(/\+/g, '-').replace(/\//g, '_').replace(/=$/, ''),
      'base64url',
    );
    return bytes.length === 32 ? bytes : null;
  }
  return null;
}

/** SHA-256 of a host key blob (the SSH wire encoding), as OpenSSH fingerprints it. */
export const hostKeySha256 = (key: Buffer): Buffer => createHash('sha256').update(key).digest();

function timed<T>(
  ms: number,
  what: string,
  work: (done: (err?: Error | null, v?: T) => void) => void,
): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    const timer = setTimeout(
      () => reject(new SftpDeliveryError(`SFTP ${what} timed out after ${ms} ms`, 'timeout')),
      ms,
    );
    work((err, v) => {
      clearTimeout(timer);
      if (err) reject(err);
      else resolve(v as T);
    });
  });
}

/**
 * Puts files on an SFTP server with ssh2: the server's host key is checked against the pinned
 * SHA-256 before any credential is sent (hostVerifier runs during key exchange), then it logs
 * in with the password or private key, makes the folders (mkdir -p) and uploads the files in
 * the given order, each step within ACTIVITY_SFTP_TIMEOUT_MS.
 */
@Injectable()
export class SftpClient {
  private readonly timeoutMs: number;

  constructor(env: ActivityEnv) {
    this.timeoutMs = env.ACTIVITY_SFTP_TIMEOUT_MS;
  }

  async put(dest: SftpDestination, uploads: SftpUpload[]): Promise<void> {
    const pinned = parseHostKeySha256(dest.hostKeySha256);
    if (!pinned)
      throw new SftpDeliveryError('hostKeySha256 is not a SHA-256 fingerprint', 'hostKey');
    const client = new Client();
    let hostKeyRefused = false;
    try {
      const config: ConnectConfig = {
        host: dest.host,
        port: dest.port,
        username: dest.username,
        readyTimeout: this.timeoutMs,
        hostVerifier: (key: Buffer) => {
          const seen = hostKeySha256(key);
          const ok = seen.length === pinned.length && timingSafeEqual(seen, pinned);
          hostKeyRefused = !ok;
          return ok;
        },
        ...(dest.privateKey ? { privateKey: dest.privateKey } : {}),
        ...(dest.password !== undefined ? { password: dest.password } : {}),
      };
      await timed<void>(this.timeoutMs, 'connect', (done) => {
        client.once('ready', () => done());
        client.once('error', (err) => done(err));
        client.once('close', () => done(new Error('connection closed')));
        client.connect(config);
      }).catch((err: Error) => {
        if (hostKeyRefused) {
          throw new SftpDeliveryError(
            'the server host key does not match hostKeySha256',
            'hostKey',
          );
        }
        if (err instanceof SftpDeliveryError) throw err;
        throw new SftpDeliveryError(`SFTP connection failed: ${err.message}`, 'connection');
      });
      client.removeAllListeners('close');
      client.on('error', () => undefined);
      const sftp = await timed<SFTPWrapper>(this.timeoutMs, 'session', (done) =>
        client.sftp((err, s) => done(err, s)),
      );
      const base = dest.directory.replace(/\/+$/, '') || '/';
      for (const upload of uploads) {
        const full = `${base}/${upload.path}`;
        await this.mkdirs(sftp, full.slice(0, full.lastIndexOf('/')));
        await this.write(sftp, full, upload.content);
      }
    } catch (err) {
      if (err instanceof SftpDeliveryError) throw err;
      throw new SftpDeliveryError(`SFTP transfer failed: ${(err as Error).message}`, 'transfer');
    } finally {
      client.end();
    }
  }

  /** mkdir -p: each missing folder of `dir` in turn (a folder made meanwhile is fine). */
  private async mkdirs(sftp: SFTPWrapper, dir: string): Promise<void> {
    const parts = dir.split('/');
    let path = '';
    for (let i = 0; i < parts.length; i++) {
      path = i === 0 ? parts[0]! : `${path}/${parts[i]}`;
      if (!path) continue;
      const exists = () =>
        timed<boolean>(this.timeoutMs, 'stat', (done) =>
          sftp.stat(path, (err, stats) => done(null, !err && stats.isDirectory())),
        );
      if (await exists()) continue;
      const made = await timed<boolean>(this.timeoutMs, 'mkdir', (done) =>
        sftp.mkdir(path, (err) => done(null, !err)),
      );
      if (!made && !(await exists())) throw new Error(`cannot create ${path}`);
    }
  }

  /** Uploads with backpressure; each write (and the close) must progress within the timeout. */
  private async write(
    sftp: SFTPWrapper,
    path: string,
    content: AsyncIterable<Buffer> | Buffer,
  ): Promise<void> {
    const ws = sftp.createWriteStream(path);
    let failure: Error | undefined;
    ws.on('error', (err: Error) => (failure = err));
    const wait = (event: 'drain' | 'close') =>
      timed<void>(this.timeoutMs, `upload of ${path}`, (done) => {
        if (failure) return done(failure);
        const onError = (err: Error) => done(err);
        ws.once('error', onError);
        ws.once(event, () => {
          ws.off('error', onError);
          done();
        });
      });
    try {
      const pieces = Buffer.isBuffer(content) ? [content] : content;
      for await (const piece of pieces) {
        if (failure) throw failure;
        if (!ws.write(piece)) await wait('drain');
      }
      const closed = wait('close');
      ws.end();
      await closed;
      if (failure) throw failure;
    } catch (err) {
      ws.destroy();
      throw err;
    }
  }
}

import { randomUUID } from 'node:crypto';
import { Injectable } from '@nestjs/common';
import { TokenSigner } from '../../common/token-signer';
import { ActivityEnv } from '../../config/activity.env';
import type { DeliveryWindow, FileDelivery, FileRef, Subscription } from '../delivery.ports';
import { buildFile } from './file-builder';
import { DeliveryFilesRepository, type FileRecord } from './files.repository';
import { compileRange } from './files.sql';
import { ManifestSigner } from './manifest-signer.service';
import { SftpClient } from './sftp.client';
import {
  localDateFolder,
  localStamp,
  settledWindowsAfter,
  windowAfter,
  windowContaining,
  type FileCadence,
} from './windows';

/** Purpose of signed download links (TokenSigner). */
export const FILE_LINK_PURPOSE = 'delivery-file';
export const ACTIVITIES_PATH = '/data-apis/v1/banking-activities';

export interface BuildOptions {
  replay: boolean;
  /** The delivery's sequence and the previous one (the manifest carries them). */
  sequence?: number | null;
  previousSequence?: number | null;
}

const extension = (f: FileRecord) => (f.format === 'csv' ? 'csv.gz' : 'ndjson.gz');

/** The file's name on SFTP (under `<directory>/<folder>/`) and of its manifest. */
export const fileNames = (f: FileRecord) => ({
  file: `${f.name}.${extension(f)}`,
  manifest: `${f.name}.manifest.json`,
});

const cadenceOf = (sub: Subscription): FileCadence => {
  if (sub.cadence === 'realtime') throw new Error('realtime subscriptions have no files');
  return sub.cadence;
};

/**
 * Hourly and daily files (the FileDelivery port the dispatcher calls). A file holds, in commit
 * order, every event matching the subscription whose batch's feed position is after where the
 * subscription's previous file ended and was sequenced before the window's end: windows are by
 * commit time, so an event that commits late (after its window was built) is in the next file,
 * never skipped. Built once the window has settled (ACTIVITY_DELIVERY_SETTLE_MS), gzip, stored
 * in chunks for pull and downloads, with a signed manifest.
 */
@Injectable()
export class FileDeliveryService implements FileDelivery {
  constructor(
    private readonly files: DeliveryFilesRepository,
    private readonly signer: ManifestSigner,
    private readonly sftp: SftpClient,
    private readonly tokens: TokenSigner,
    private readonly env: ActivityEnv,
  ) {}

  /** Builds and stores the window's file; a regular window's file is built once. */
  async build(sub: Subscription, window: DeliveryWindow, opts: BuildOptions): Promise<FileRef> {
    const existing = opts.replay
      ? null
      : await this.files.findRegular(sub.id, window.start, window.end);
    if (existing) return toRef(existing);

    // The manifest carries the delivery's sequence: given, or the delivery core's row for it.
    const numbered =
      opts.sequence !== undefined
        ? { sequence: opts.sequence, previousSequence: opts.previousSequence ?? null }
        : await this.files.fileDeliverySequence(sub.id, window.start, window.end, opts.replay);
    const sequence = numbered?.sequence ?? null;
    const previousSequence = numbered?.previousSequence ?? null;
    const fi = sub.institutionId;
    const from = opts.replay
      ? await this.files.positionBefore(fi, window.start)
      : ((await this.files.lastDeliveredPosition(sub.id, window.start)) ??
        (await this.files.positionBefore(fi, window.start)));
    const to = await this.files.cutPosition(fi, from, window.end);
    const id = randomUUID();
    const record = {
      id,
      subscriptionId: sub.id,
      institutionId: fi,
      sequence,
      windowStart: window.start,
      windowEnd: window.end,
      replay: opts.replay,
      fromPosition: from,
      toPosition: to,
      format: sub.format,
      name: `banking-activities-${localStamp(window.start, sub.timeZone)}${opts.replay ? `-replay-${id.slice(0, 8)}` : ''}`,
      folder: localDateFolder(window.start, sub.timeZone),
    };
    const writer = await this.files.createFile(record);
    if (!writer) {
      const built = await this.files.findRegular(sub.id, window.start, window.end);
      if (!built) throw new Error('the file of this window vanished while being built');
      return toRef(built);
    }
    try {
      const sql = compileRange({
        institutionId: fi,
        fromPosition: from,
        toPosition: to,
        filter: sub.filter,
        requestedAttributes: sub.requestedAttributes,
        format: sub.format,
        ...(opts.replay ? { sequencedIn: window } : {}),
      });
      const cursor = await this.files.openRange(sql);
      let totals;
      try {
        totals = await buildFile(cursor.rows, sub.format, sub.requestedAttributes, writer);
      } finally {
        cursor.close();
      }
      const manifest = await this.signer.sign({
        subscriptionId: sub.id,
        sequence,
        previousSequence,
        replay: opts.replay,
        window: { start: window.start.toISOString(), end: window.end.toISOString() },
        fileId: id,
        fileName: fileNames({ ...record, format: sub.format } as FileRecord).file,
        format: sub.format,
        compression: 'gzip',
        count: totals.count,
        sha256: totals.sha256,
        bytes: totals.bytes,
      });
      await writer.finish({ ...totals, manifest: JSON.stringify(manifest) });
      return {
        fileId: id,
        sha256: totals.sha256,
        bytes: totals.bytes,
        count: totals.count,
        format: sub.format,
        manifest,
      };
    } catch (err) {
      await writer.abort().catch(() => undefined);
      throw err;
    }
  }

  /** Uploads the file, then its manifest beside it, to the subscription's SFTP server. */
  async deliverSftp(sub: Subscription, file: FileRef): Promise<void> {
    if (sub.destination.type !== 'sftp') throw new Error('not an SFTP subscription');
    const record = await this.files.find(file.fileId);
    if (!record || record.subscriptionId !== sub.id) throw new Error('no such file');
    const names = fileNames(record);
    await this.sftp.put(sub.destination, [
      { path: `${record.folder}/${names.file}`, content: this.files.chunks(record.id) },
      {
        path: `${record.folder}/${names.manifest}`,
        content: Buffer.from(`${record.manifest}\n`, 'utf8'),
      },
    ]);
  }

  /** A download link that needs no token until it expires (ACTIVITY_DELIVERY_FILE_URL_TTL_SECONDS). */
  signedFileUrl(
    _sub: Subscription,
    file: FileRef,
    now = new Date(),
  ): { url: string; expiresAt: Date } {
    const expiresAt = new Date(
      Math.floor(now.getTime() / 1000) * 1000 +
        this.env.ACTIVITY_DELIVERY_FILE_URL_TTL_SECONDS * 1000,
    );
    const token = this.tokens.sign(FILE_LINK_PURPOSE, {
      f: file.fileId,
      e: Math.floor(expiresAt.getTime() / 1000),
    });
    const base = (
      this.env.ACTIVITY_PUBLIC_URL ?? `http://localhost:${this.env.ACTIVITY_PORT}`
    ).replace(/\/+$/, '');
    return {
      url: `${base}${ACTIVITIES_PATH}/delivery-files/${file.fileId}?token=${encodeURIComponent(token)}`,
      expiresAt,
    };
  }

  /** The window after `after`; null: the one containing the subscription's creation. */
  nextWindow(sub: Subscription, after: DeliveryWindow | null): DeliveryWindow {
    const cadence = cadenceOf(sub);
    return after
      ? windowAfter(cadence, sub.timeZone, after)
      : windowContaining(cadence, sub.timeZone, sub.createdAt);
  }

  /** The windows after `after` that have ended and settled at `now`, oldest first. */
  dueWindows(sub: Subscription, after: DeliveryWindow | null, now: Date): DeliveryWindow[] {
    return settledWindowsAfter(
      cadenceOf(sub),
      sub.timeZone,
      after,
      sub.createdAt,
      now,
      this.env.ACTIVITY_DELIVERY_SETTLE_MS,
    );
  }
}

export function toRef(f: FileRecord): FileRef {
  return {
    fileId: f.id,
    sha256: f.sha256,
    bytes: f.bytes,
    count: f.count,
    format: f.format,
    manifest: JSON.parse(f.manifest) as Record<string, unknown>,
  };
}

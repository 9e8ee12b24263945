import { createHash } from 'node:crypto';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { createGzip } from 'node:zlib';
import { lineChunks, type EventRow } from '../../export/event-lines';
import { GZIP_OPTIONS } from '../../export/export.format';
import type { FileFormat } from '../delivery.ports';

/** Size of a stored chunk (one bytea row). */
export const CHUNK_BYTES = 1_048_576;

export interface BuiltFile {
  /** Events (CSV: lines without the header). */
  count: number;
  /** Bytes of the gzip file. */
  bytes: number;
  /** hex SHA-256 of the gzip file. */
  sha256: string;
}

/** Where the gzip bytes go, a chunk of about `chunkBytes` at a time (the last one shorter). */
export interface ChunkSink {
  append(chunk: Buffer): Promise<void>;
}

/**
 * Streams rows (export/event-lines.ts columns) into a gzip file of NDJSON or CSV lines (the
 * export's serializer), handing the sink chunks of `chunkBytes` and computing the count, size
 * and SHA-256 on the way: at most a chunk and the streams' buffers are in memory, whatever the
 * number of rows. The sink's backpressure (an awaited insert) holds the rows.
 */
export async function buildFile(
  rows: AsyncIterable<EventRow>,
  format: FileFormat,
  requestedAttributes: string[] | null,
  sink: ChunkSink,
  options: { chunkBytes?: number; gzipLevel?: number } = {},
): Promise<BuiltFile> {
  const chunkBytes = options.chunkBytes ?? CHUNK_BYTES;
  const counter = { count: 0 };
  const hash = createHash('sha256');
  let bytes = 0;
  await pipeline(
    Readable.from(lineChunks(rows, format, requestedAttributes, counter)),
    createGzip({ ...GZIP_OPTIONS, level: options.gzipLevel ?? GZIP_OPTIONS.level }),
    async (gz: AsyncIterable<Buffer>) => {
      let pending: Buffer[] = [];
      let pendingBytes = 0;
      for await (const buf of gz) {
        hash.update(buf);
        bytes += buf.length;
        pending.push(buf);
        pendingBytes += buf.length;
        while (pendingBytes >= chunkBytes) {
          const all = Buffer.concat(pending, pendingBytes);
          await sink.append(all.subarray(0, chunkBytes));
          const rest = all.subarray(chunkBytes);
          pending = rest.length ? [Buffer.from(rest)] : [];
          pendingBytes = rest.length;
        }
      }
      if (pendingBytes > 0) await sink.append(Buffer.concat(pending, pendingBytes));
    },
  );
  return { count: counter.count, bytes, sha256: hash.digest('hex') };
}

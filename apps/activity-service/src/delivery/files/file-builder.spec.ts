import { createHash } from 'node:crypto';
import { gunzipSync } from 'node:zlib';
import { buildFile } from './file-builder';

async function* rows(n: number, make: (i: number) => (string | null)[]) {
  for (let i = 0; i < n; i++) yield make(i);
}

/** A row of the file's columns (export/event-lines.ts): the fixed fields, then the attributes. */
const event = (i: number): (string | null)[] => [
  `00000000-0000-4000-8000-${String(i).padStart(12, '0')}`,
  'loginSuccess',
  '2026-11-30T10:00:00.000Z',
  'retail',
  `user-${i}`,
  null,
  null,
  null,
  null,
  null,
  JSON.stringify({ n: i, pad: 'x'.repeat(i % 97) }),
];

describe('buildFile', () => {
  it('writes NDJSON lines as gzip in chunks, with count, size and SHA-256 of the bytes', async () => {
    const chunks: Buffer[] = [];
    const built = await buildFile(
      rows(5000, event),
      'ndjson',
      null,
      { append: async (c) => void chunks.push(Buffer.from(c)) },
      { chunkBytes: 4096, gzipLevel: 1 },
    );
    const file = Buffer.concat(chunks);
    expect(chunks.length).toBeGreaterThan(2);
    expect(chunks.slice(0, -1).every((c) => c.length === 4096)).toBe(true);
    expect(built.count).toBe(5000);
    expect(built.bytes).toBe(file.length);
    expect(built.sha256).toBe(createHash('sha256').update(file).digest('hex'));
    const lines = gunzipSync(file).toString('utf8').split('\n');
    expect(lines).toHaveLength(5001);
    expect(JSON.parse(lines[4999]!)).toMatchObject({ loginId: 'user-4999', n: 4999 });
    expect(lines[5000]).toBe('');
  });

  it('writes CSV with a header and neutralised formulas; an empty file is a valid gzip', async () => {
    const chunks: Buffer[] = [];
    const sink = { append: async (c: Buffer) => void chunks.push(Buffer.from(c)) };
    const built = await buildFile(
      rows(1, () => ['g', 'loginFailure', '2026-11-30T10:00:00.000Z', '=1+1', null]),
      'csv',
      ['loginId', 'reason'],
      sink,
    );
    expect(built.count).toBe(1);
    expect(gunzipSync(Buffer.concat(chunks)).toString()).toBe(
      "guid,eventId,timeStamp,loginId,reason\ng,loginFailure,2026-11-30T10:00:00.000Z,'=1+1,\n",
    );
    chunks.length = 0;
    const empty = await buildFile(
      rows(0, () => []),
      'ndjson',
      null,
      sink,
    );
    expect(empty.count).toBe(0);
    expect(gunzipSync(Buffer.concat(chunks)).toString()).toBe('');
    expect(empty.bytes).toBe(Buffer.concat(chunks).length);
  });

  it('fails when the sink fails, and stops reading rows', async () => {
    let read = 0;
    async function* many() {
      for (let i = 0; i < 1_000_000; i++) {
        read++;
        yield event(i);
      }
    }
    await expect(
      buildFile(
        many(),
        'ndjson',
        null,
        { append: () => Promise.reject(new Error('disk')) },
        {
          chunkBytes: 1024,
        },
      ),
    ).rejects.toThrow('disk');
    expect(read).toBeLessThan(1_000_000);
  });
});

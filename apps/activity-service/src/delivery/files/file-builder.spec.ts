import { createHash } from 'node:crypto';
import { gunzipSync } from 'node:zlib';
import { buildFile } from './file-builder';

async function* rows(n: number, make: (i: number) => (string | null)[]) {
  for (let i = 0; i < n; i++) yield make(i);
}

describe('buildFile', () => {
  it('writes NDJSON lines as gzip in chunks, with count, size and SHA-256 of the bytes', async () => {
    const chunks: Buffer[] = [];
    const built = await buildFile(
      rows(5000, (i) => [JSON.stringify({ n: i, pad: 'x'.repeat(i % 97) })]),
      'ndjson',
      ['item'],
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
    expect(lines[4999]).toContain('"n":4999');
    expect(lines[5000]).toBe('');
  });

  it('writes CSV with a header and neutralised formulas; an empty file is a valid gzip', async () => {
    const chunks: Buffer[] = [];
    const sink = { append: async (c: Buffer) => void chunks.push(Buffer.from(c)) };
    const built = await buildFile(
      rows(1, () => ['g', '=1+1', null]),
      'csv',
      ['a', 'b', 'c'],
      sink,
    );
    expect(built.count).toBe(1);
    expect(gunzipSync(Buffer.concat(chunks)).toString()).toBe("a,b,c\ng,'=1+1,\n");
    chunks.length = 0;
    const empty = await buildFile(
      rows(0, () => []),
      'ndjson',
      ['item'],
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
        yield [`{"n":${i},"r":"${Math.random()}"}`];
      }
    }
    await expect(
      buildFile(
        many(),
        'ndjson',
        ['item'],
        { append: () => Promise.reject(new Error('disk')) },
        {
          chunkBytes: 1024,
        },
      ),
    ).rejects.toThrow('disk');
    expect(read).toBeLessThan(1_000_000);
  });
});

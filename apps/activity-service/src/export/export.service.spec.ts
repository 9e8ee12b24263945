import type { AccessPrincipal } from '@app/common';
import type { ActivityEnv } from '../config/activity.env';
import type { ActivityRepository } from '../search/activity.repository';
import { copyText } from '../../../../test/support/copy-text';
import { ExportService } from './export.service';

type Row = (string | null)[];

const env = { ACTIVITY_MAX_LOOKBACK_DAYS: 93 } as ActivityEnv;
const app: AccessPrincipal = {
  subject: 'app',
  clientId: 'app',
  institutionId: 'fi-a',
  scopes: new Set<string>(),
  jti: 'j',
  expiresAt: new Date(Date.now() + 60_000),
};
// An export has no look-back limit.
const range = {
  startTime: new Date(Date.now() - 300 * 86_400_000).toISOString(),
  endTime: new Date().toISOString(),
};

/** The rows as COPY sends them, cut every 7,000 bytes (mid-row, mid-character too). */
async function* from(rows: Row[]): AsyncGenerator<Buffer> {
  const bytes = copyText(rows);
  for (let i = 0; i < bytes.length; i += 7000) yield bytes.subarray(i, i + 7000);
}
async function bytes(chunks: AsyncIterable<Buffer>): Promise<Buffer[]> {
  const out: Buffer[] = [];
  for await (const chunk of chunks) out.push(chunk);
  return out;
}
const text = async (chunks: AsyncIterable<Buffer>) =>
  (await bytes(chunks)).map((c) => c.toString('utf8'));

describe('ExportService', () => {
  let exportCursor: jest.Mock;
  let close: jest.Mock;
  let service: ExportService;
  const open = (rows: Row[]) => {
    close = jest.fn();
    exportCursor.mockResolvedValue({ chunks: from(rows), close });
  };
  beforeEach(() => {
    exportCursor = jest.fn();
    service = new ExportService({ exportCursor } as unknown as ActivityRepository, env);
  });

  it('yields NDJSON lines in chunks of about 64 KiB, built from the columns', async () => {
    const row = (i: number): Row => [
      `00000000-0000-4000-8000-${String(i).padStart(12, '0')}`,
      'loginSuccess',
      '2026-11-30T10:00:00.000Z',
      'retail',
      `usér-${i}`,
      null,
      null,
      null,
      'mobile',
      '203.0.113.9',
      i % 2 ? '{"clientId": "app"}' : null,
    ];
    open(Array.from({ length: 2001 }, (_, i) => row(i)));
    const doc = await service.open(app, range, 'application/x-ndjson');
    expect(doc.format).toBe('ndjson');
    const chunks = await bytes(doc.chunks);
    expect(chunks.length).toBeGreaterThan(1);
    expect(chunks.slice(0, -1).every((c) => c.length >= 64 * 1024 && c.at(-1) === 10)).toBe(true);
    const lines = Buffer.concat(chunks).toString('utf8').split('\n');
    expect(lines).toHaveLength(2002);
    expect(lines[2000]).toBe(
      '{"guid":"00000000-0000-4000-8000-000000002000","eventId":"loginSuccess",' +
        '"timeStamp":"2026-11-30T10:00:00.000Z","userType":"retail","loginId":"usér-2000",' +
        '"customerId":null,"institutionCustomerId":null,"accountType":null,"channel":"mobile",' +
        '"ipAddress":"203.0.113.9"}',
    );
    expect(JSON.parse(lines[1]!)).toMatchObject({ loginId: 'usér-1', clientId: 'app' });
    doc.close();
    expect(close).toHaveBeenCalled();
  });

  it('yields a CSV header, then one line per row, formulas neutralised', async () => {
    open([['a', '=1+1', 't', null]]);
    const doc = await service.open(app, { ...range, requestedAttributes: ['loginId'] }, 'text/csv');
    expect(await text(doc.chunks)).toEqual(['guid,eventId,timeStamp,loginId\n' + "a,'=1+1,t,\n"]);
  });

  it('opens no cursor for a refused request', async () => {
    const customer = { ...app, subject: 'c-1', loginId: 'jdoe' };
    await expect(service.open(customer, range, undefined)).rejects.toMatchObject({
      code: 'ACTIVITY_CUSTOMER_FORBIDDEN',
    });
    await expect(service.open(app, { ...range, pageSize: 5 }, undefined)).rejects.toMatchObject({
      code: 'BAS_10005',
    });
    await expect(service.open(app, range, 'image/png')).rejects.toMatchObject({
      code: 'NOT_ACCEPTABLE',
    });
    expect(exportCursor).not.toHaveBeenCalled();
  });
});

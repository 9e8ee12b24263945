import type { AccessPrincipal } from '@app/common';
import type { ActivityEnv } from '../config/activity.env';
import type { ActivityRepository, ExportRow } from '../search/activity.repository';
import { ExportService } from './export.service';

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

async function* from(rows: ExportRow[]): AsyncGenerator<ExportRow> {
  for (const row of rows) yield row;
}
async function text(chunks: AsyncIterable<string>): Promise<string[]> {
  const out: string[] = [];
  for await (const chunk of chunks) out.push(chunk);
  return out;
}

describe('ExportService', () => {
  let exportCursor: jest.Mock;
  let close: jest.Mock;
  let service: ExportService;
  const open = (rows: ExportRow[]) => {
    close = jest.fn();
    exportCursor.mockResolvedValue({ rows: from(rows), close });
  };
  beforeEach(() => {
    exportCursor = jest.fn();
    service = new ExportService({ exportCursor } as unknown as ActivityRepository, env);
  });

  it('yields NDJSON lines in chunks of 500', async () => {
    open(Array.from({ length: 501 }, (_, i) => [`{"n":${i}}`]));
    const doc = await service.open(app, range, 'application/x-ndjson');
    expect(doc.format).toBe('ndjson');
    const chunks = await text(doc.chunks);
    expect(chunks).toHaveLength(2);
    expect(chunks.join('').split('\n')).toHaveLength(502);
    expect(chunks[1]).toBe('{"n":500}\n');
    doc.close();
    expect(close).toHaveBeenCalled();
  });

  it('yields a CSV header, then one line per row, formulas neutralised', async () => {
    open([['a', '=1+1', null]]);
    const doc = await service.open(app, { ...range, requestedAttributes: ['loginId'] }, 'text/csv');
    expect(await text(doc.chunks)).toEqual(['guid,eventId,timeStamp,loginId\n' + "a,'=1+1,\n"]);
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

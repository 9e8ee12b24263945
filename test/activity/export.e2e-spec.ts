import { request, type IncomingHttpHeaders } from 'node:http';
import { gunzipSync } from 'node:zlib';
import {
  allPages,
  asReturned,
  expectedResults,
  generateEvents,
  ingest,
  type SearchBody,
  type WireEvent,
} from '../support/activity-fixtures';
import {
  ACTIVITIES,
  FI_READ_SCOPES,
  startActivityPlatform,
  type ActivityPlatform,
} from '../support/activity-platform';

const EXPORT = `${ACTIVITIES}/export`;
const DAY = 86_400_000;

/** RFC 4180 CSV, enough for the test: quoted cells with doubled quotes and newlines. */
function parseCsv(text: string): string[][] {
  const rows: string[][] = [];
  let row: string[] = [];
  let cell = '';
  let quoted = false;
  for (let i = 0; i < text.length; i++) {
    const c = text[i]!;
    if (quoted) {
      if (c === '"' && text[i + 1] === '"') {
        cell += '"';
        i++;
      } else if (c === '"') quoted = false;
      else cell += c;
    } else if (c === '"') quoted = true;
    else if (c === ',') {
      row.push(cell);
      cell = '';
    } else if (c === '\n') {
      row.push(cell);
      rows.push(row);
      row = [];
      cell = '';
    } else cell += c;
  }
  return rows;
}

describe('Banking Activity export (e2e)', () => {
  let p: ActivityPlatform;
  let read: string;
  const now = Date.now();
  const range = {
    startTime: new Date(now - 3 * DAY).toISOString(),
    endTime: new Date(now).toISOString(),
  };
  const events: WireEvent[] = [];

  beforeAll(async () => {
    p = await startActivityPlatform('activity_export');
    const internal = await p.internalToken();
    events.push(
      ...generateEvents('fi-a', 300, now - 2 * DAY, now - 60_000, 5),
      ...generateEvents('fi-b', 100, now - 2 * DAY, now - 60_000, 6),
    );
    // Text a spreadsheet would run as a formula, and a comma, a quote and a newline to escape.
    events.push({
      ...generateEvents('fi-a', 1, now - DAY, now - DAY + 1, 7)[0]!,
      eventId: 'loginFailure',
      loginId: '=HYPERLINK("http://x")',
      attributes: { clientId: 'a,b "c"\nd', failedLoginCount: 1, reason: '-not-a-number' },
    });
    await ingest(p, internal, events, 200);
    read = await p.token('fi-a', FI_READ_SCOPES);
  });

  afterAll(async () => {
    await p?.close();
  });

  const exportOf = (body: unknown, headers: Record<string, string> = {}) =>
    p.post(EXPORT, read, body, headers);

  it('streams every match as NDJSON, the same events and order as paging the search', async () => {
    const body: SearchBody = {
      ...range,
      eventIds: ['loginSuccess', 'transferCreated', 'loginFailure'],
      sortOrder: 'DESC',
    };
    const res = await exportOf(body, { accept: 'application/x-ndjson' });
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toBe('application/x-ndjson');
    expect(res.headers.get('content-disposition')).toMatch(/attachment/);
    expect(res.headers.get('transactionid')).toMatch(/^[0-9a-f-]{36}$/);
    const lines = res.text
      .trimEnd()
      .split('\n')
      .map((l) => JSON.parse(l) as Record<string, unknown>);
    expect(lines).toEqual(expectedResults(events, 'fi-a', body).map(asReturned));
    const { items } = await allPages(p, read, { ...body, pageSize: 17 });
    expect(lines).toEqual(items);
  });

  it('defaults to NDJSON and honours every search filter, never another FI', async () => {
    const body: SearchBody = {
      ...range,
      userType: 'business',
      companyIds: ['co1', 'co2'],
      additionalFilters: {
        condition: 'or',
        filters: [
          { attributeId: 'channel', criteria: 'equals', value: 'mobile' },
          { attributeId: 'amount', criteria: 'greaterThan', value: 100 },
        ],
      },
    };
    const res = await exportOf(body);
    const guids = res.text
      .trimEnd()
      .split('\n')
      .map((l) => (JSON.parse(l) as { guid: string }).guid);
    expect(guids).toEqual(expectedResults(events, 'fi-a', body).map((e) => e.guid));
    const fiB = new Set(events.filter((e) => e.institutionId === 'fi-b').map((e) => e.guid));
    const all = await exportOf(range);
    expect(
      all.text
        .split('\n')
        .filter(Boolean)
        .some((l) => fiB.has((JSON.parse(l) as { guid: string }).guid)),
    ).toBe(false);
  });

  it('writes CSV with a header, escaped cells and formulas neutralised', async () => {
    const res = await exportOf(range, { accept: 'text/csv' });
    expect(res.headers.get('content-type')).toBe('text/csv; charset=utf-8');
    const rows = parseCsv(res.text);
    expect(rows[0]).toEqual([
      'guid',
      'eventId',
      'timeStamp',
      'userType',
      'loginId',
      'customerId',
      'institutionCustomerId',
      'accountType',
      'channel',
      'ipAddress',
      'attributes',
    ]);
    const expected = expectedResults(events, 'fi-a', range);
    expect(rows.slice(1).map((r) => r[0])).toEqual(expected.map((e) => e.guid));
    const tricky = rows.find((r) => r[4]!.includes('HYPERLINK'))!;
    expect(tricky[4]).toBe(`'=HYPERLINK("http://x")`);
    expect(JSON.parse(tricky[10]!)).toEqual({
      clientId: 'a,b "c"\nd',
      failedLoginCount: 1,
      reason: '-not-a-number',
    });
    const plain = rows.find((r) => r[0] === expected[0]!.guid)!;
    expect(plain[2]).toBe(expected[0]!.timeStamp);
    expect(plain[5]).toBe(expected[0]!.customerId ?? '');
  });

  it('writes one CSV column per requested attribute', async () => {
    const body = {
      ...range,
      eventIds: ['transferCreated'],
      requestedAttributes: ['amount', 'transferType', 'loginId'],
    };
    const rows = parseCsv((await exportOf(body, { accept: 'text/csv' })).text);
    expect(rows[0]).toEqual(['guid', 'eventId', 'timeStamp', 'amount', 'transferType', 'loginId']);
    expect(rows.slice(1)).toEqual(
      expectedResults(events, 'fi-a', body).map((e) => [
        e.guid,
        e.eventId,
        e.timeStamp,
        String(e.attributes.amount),
        e.attributes.transferType as string,
        e.loginId,
      ]),
    );
  });

  it('gzips when asked', async () => {
    // node:http, not fetch, which would inflate the body on its own.
    const url = new URL(`${p.activity.url}${EXPORT}`);
    const { headers, body } = await new Promise<{ headers: IncomingHttpHeaders; body: Buffer }>(
      (resolve, reject) => {
        const req = request(
          url,
          {
            method: 'POST',
            headers: {
              authorization: `Bearer ${read}`,
              'content-type': 'application/json',
              'accept-encoding': 'gzip, deflate',
            },
          },
          (res) => {
            const chunks: Buffer[] = [];
            res.on('data', (c: Buffer) => chunks.push(c));
            res.on('end', () => resolve({ headers: res.headers, body: Buffer.concat(chunks) }));
            res.on('error', reject);
          },
        );
        req.on('error', reject);
        req.end(JSON.stringify(range));
      },
    );
    expect(headers['content-encoding']).toBe('gzip');
    expect(headers.vary).toMatch(/Accept-Encoding/);
    const plain = (await exportOf(range, { 'accept-encoding': 'identity' })).text;
    expect(gunzipSync(body).toString('utf8')).toBe(plain);
    expect(body.length).toBeLessThan(plain.length / 3);
  });

  it('has no look-back limit: any retained range', async () => {
    const internal = await p.internalToken();
    const old = generateEvents('fi-a', 3, now - 200 * DAY, now - 199 * DAY, 8);
    await ingest(p, internal, old);
    const body = {
      startTime: new Date(now - 201 * DAY).toISOString(),
      endTime: new Date(now - 150 * DAY).toISOString(),
    };
    const res = await exportOf(body);
    expect(
      res.text
        .trimEnd()
        .split('\n')
        .map((l) => (JSON.parse(l) as { guid: string }).guid),
    ).toEqual(expectedResults(old, 'fi-a', body).map((e) => e.guid));
    // The same range is beyond search's look-back window.
    expect((await p.post<Record<string, unknown>>(ACTIVITIES, read, body)).body.code).toBe(
      'BAS_10002',
    );
  });

  it('answers an empty range with an empty body (and a CSV header)', async () => {
    const body = {
      startTime: new Date(now - 20 * DAY).toISOString(),
      endTime: new Date(now - 19 * DAY).toISOString(),
    };
    expect((await exportOf(body)).text).toBe('');
    expect((await exportOf(body, { accept: 'text/csv' })).text).toBe(
      'guid,eventId,timeStamp,userType,loginId,customerId,institutionCustomerId,accountType,channel,ipAddress,attributes\n',
    );
  });

  it('refuses what it cannot do: 406, BAS_10001, BAS_10005 (paging fields), 403', async () => {
    const xml = await exportOf(range, { accept: 'application/xml' });
    expect(xml.status).toBe(406);
    expect(xml.headers.get('content-type')).toMatch(/problem\+json/);
    expect(
      (
        (await exportOf({ startTime: range.endTime, endTime: range.startTime })).body as {
          code: string;
        }
      ).code,
    ).toBe('BAS_10001');
    for (const extra of [{ pageSize: 10 }, { nextPageToken: 'x' }]) {
      const res = await exportOf({ ...range, ...extra });
      expect((res.body as { code: string }).code).toBe('BAS_10005');
    }
    const write = await p.token('fi-a', 'banking-activities:write');
    expect((await p.post(EXPORT, write, range)).status).toBe(403);
  });
});

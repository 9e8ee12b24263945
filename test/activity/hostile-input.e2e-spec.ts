import { randomUUID } from 'node:crypto';
import {
  ACTIVITIES,
  startActivityPlatform,
  type ActivityPlatform,
  type ApiAnswer,
} from '../support/activity-platform';

/*
 * Hostile text on the activity-service: NUL bytes and lone UTF-16 surrogates in search values,
 * batch fields and attributes, queries and data headers answer 400 with Candescent's BAS_10005
 * and a pointer per field, storing nothing; deeply nested JSON answers BAS_10006 at parsing.
 */

const BATCH = `${ACTIVITIES}/batch`;
const ENCODED_SURROGATE = '%ED%A0%80';

type Problem = { errorCode?: string; errors?: { pointer: string }[] };

const expectInvalid = (res: ApiAnswer<Problem>, pointer: string) => {
  expect(res.status).toBe(400);
  expect(res.headers.get('content-type')).toMatch(/^application\/problem\+json/);
  expect(res.body.errorCode).toBe('BAS_10005');
  expect(res.body.errors!.map((e) => e.pointer)).toContain(pointer);
};

const event = (over: Record<string, unknown> = {}) => ({
  guid: randomUUID(),
  eventId: 'loginSuccess',
  timeStamp: new Date(Date.now() - 60_000).toISOString(),
  userType: 'retail',
  loginId: 'jdoe2026',
  customerId: randomUUID(),
  channel: 'mobile',
  ipAddress: '203.0.113.7',
  attributes: { clientId: 'sandbox-app' },
  ...over,
});

describe('hostile input: activity-service', () => {
  let p: ActivityPlatform;
  let read: string;
  let write: string;

  beforeAll(async () => {
    p = await startActivityPlatform('activity_hostile');
    read = await p.token('fi-h', 'banking-activities:read account:read');
    write = await p.token('fi-h', 'banking-activities:write');
  });
  afterAll(async () => p?.close());

  const stored = async () =>
    Number(
      (await p.sql.query(`SELECT count(*) AS n FROM activity.events WHERE institution_id = 'fi-h'`))
        .rows[0].n,
    );
  const window = () => ({
    startTime: new Date(Date.now() - 3_600_000).toISOString(),
    endTime: new Date(Date.now() + 60_000).toISOString(),
  });

  it('refuses NUL and lone surrogates in search values, JSON escapes included', async () => {
    expectInvalid(
      await p.post<Problem>(ACTIVITIES, read, { ...window(), userId: 'jdoe\u00002026' }),
      '/userId',
    );
    expectInvalid(
      await p.post<Problem>(ACTIVITIES, read, { ...window(), eventIds: ['login\ud800'] }),
      '/eventIds/0',
    );
    const filters = JSON.stringify({
      ...window(),
      additionalFilters: {
        condition: 'and',
        filters: [{ attributeId: 'clientId', criteria: 'equals', value: 'PLACEHOLDER' }],
      },
    }).replace('PLACEHOLDER', 'app\\udc00');
    expectInvalid(
      await p.post<Problem>(ACTIVITIES, read, filters),
      '/additionalFilters/filters/0/value',
    );
    expectInvalid(
      await p.post<Problem>(`${ACTIVITIES}/export`, read, { ...window(), userIds: ['\u0000'] }),
      '/userIds/0',
    );
  });

  it('refuses them in batch fields and attributes and stores nothing', async () => {
    const before = await stored();
    expectInvalid(
      await p.post<Problem>(BATCH, write, { events: [event({ loginId: 'a\u0000b' })] }),
      '/events/0/loginId',
    );
    expectInvalid(
      await p.post<Problem>(BATCH, write, {
        events: [event(), event({ attributes: { clientId: 'app\ud800' } })],
      }),
      '/events/1/attributes/clientId',
    );
    expectInvalid(
      await p.post<Problem>(BATCH, write, {
        events: [event({ accountType: 'check\u0000ing' })],
      }),
      '/events/0/accountType',
    );
    expect(await stored()).toBe(before);
  });

  it('refuses them in the query and in the data headers', async () => {
    const stream = await p.get<Problem>(`${ACTIVITIES}/stream?eventIds=%00`, read);
    expectInvalid(stream, 'query/eventIds');
    expectInvalid(
      await p.get<Problem>(`${ACTIVITIES}/event-types?x=${ENCODED_SURROGATE}`, read),
      'query/x',
    );
    expectInvalid(
      await p.get<Problem>(`${ACTIVITIES}/stream`, read, {
        'Last-Event-ID': 'c\u00ed\u00a0\u0080',
      }),
      'header/last-event-id',
    );
  });

  it('still stores and finds well-formed non-ASCII text', async () => {
    const clientId = 'café 東京 🏦';
    const res = await p.post(BATCH, write, { events: [event({ attributes: { clientId } })] });
    expect(res.status).toBe(202);
    const found = await p.post<{ bankingActivities: { clientId: string }[] }>(ACTIVITIES, read, {
      ...window(),
      requestedAttributes: ['clientId'],
      additionalFilters: {
        condition: 'and',
        filters: [{ attributeId: 'clientId', criteria: 'equals', value: clientId }],
      },
    });
    expect(found.status).toBe(200);
    expect(found.body.bankingActivities.map((a) => a.clientId)).toEqual([clientId]);
  });

  it('answers deeply nested JSON with BAS_10006 at parsing', async () => {
    for (const path of [ACTIVITIES, BATCH]) {
      const res = await p.post<Problem & { detail: string }>(
        path,
        path === BATCH ? write : read,
        `{"events":${'['.repeat(10_000)}${']'.repeat(10_000)}}`,
      );
      expect(res.status).toBe(400);
      expect(res.body.errorCode).toBe('BAS_10006');
      expect(res.body.detail).toMatch(/deeper than 32/);
    }
  });
});

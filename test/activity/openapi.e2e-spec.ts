import {
  ACTIVITIES,
  FI_READ_SCOPES,
  startActivityPlatform,
  type ActivityPlatform,
} from '../support/activity-platform';

interface Schema {
  properties?: Record<string, Schema>;
  items?: Schema;
}
interface OpenApi {
  paths: Record<
    string,
    { post?: { requestBody?: { content: Record<string, { schema: Schema }> } } }
  >;
}
interface Problem {
  code: string;
  errors?: { pointer: string; detail: string }[];
}

const DAY = 86_400_000;
/** Every documented member set to null (what a parser reads as absent or wrong, never unknown). */
const nulls = (schema: Schema): Record<string, unknown> =>
  Object.fromEntries(Object.keys(schema.properties ?? {}).map((k) => [k, null]));
const unknownFields = (problem: Problem) =>
  (problem.errors ?? [])
    .filter((e) => e.detail === 'is not a known field')
    .map((e) => e.pointer)
    .sort();

/*
 * The request bodies are defined once (search.schema.ts, feed.schema.ts, batch.schema.ts): the
 * OpenAPI document shows those schemas, and the parsers take their field lists from them. This
 * pins both ends: every member the document names is accepted, and any other is refused.
 */
describe('Banking Activity OpenAPI document and body parsers (e2e)', () => {
  let p: ActivityPlatform;
  let doc: OpenApi;
  let read: string;
  let write: string;
  const range = {
    startTime: new Date(Date.now() - DAY).toISOString(),
    endTime: new Date().toISOString(),
  };
  const bodySchema = (path: string): Schema =>
    doc.paths[`${ACTIVITIES}${path}`]!.post!.requestBody!.content['application/json']!.schema;

  beforeAll(async () => {
    p = await startActivityPlatform('activity_openapi');
    doc = (await p.get<OpenApi>('/docs-json', null)).body;
    read = await p.token('fi-a', FI_READ_SCOPES);
    write = await p.token('fi-a', 'banking-activities:write');
  });

  afterAll(async () => {
    await p?.close();
  });

  it('documents the search fields of the contract', () => {
    expect(Object.keys(bodySchema('').properties!).sort()).toEqual(
      [
        'startTime',
        'endTime',
        'pageSize',
        'eventIds',
        'userType',
        'userIdType',
        'userId',
        'userIds',
        'companyIds',
        'requestedAttributes',
        'additionalFilters',
        'sortOrder',
        'nextPageToken',
      ].sort(),
    );
    expect(Object.keys(bodySchema('/export').properties!).sort()).toEqual(
      Object.keys(bodySchema('').properties!)
        .filter((k) => k !== 'pageSize' && k !== 'nextPageToken')
        .sort(),
    );
  });

  it.each([
    ['search', ''],
    ['export', '/export'],
  ])(
    '%s: accepts every documented field, filters included, and refuses any other',
    async (_name, path) => {
      const schema = bodySchema(path);
      const group = schema.properties!.additionalFilters!;
      const condition = group.properties!.filters!.items!;
      const body = {
        ...nulls(schema),
        ...range,
        additionalFilters: {
          ...nulls(group),
          filters: [{ ...nulls(condition), extraCondition: 1 }],
          extraGroup: 1,
        },
        extra: 1,
        // Documented for search only.
        ...(path === '/export' ? { pageSize: 10 } : {}),
      };
      const res = await p.post<Problem>(`${ACTIVITIES}${path}`, read, body);
      expect(res.status).toBe(400);
      expect(unknownFields(res.body)).toEqual(
        [
          '/extra',
          '/additionalFilters/extraGroup',
          '/additionalFilters/filters/0/extraCondition',
          ...(path === '/export' ? ['/pageSize'] : []),
        ].sort(),
      );
    },
  );

  it('feed: accepts every documented field and refuses any other', async () => {
    const res = await p.post<Problem>(`${ACTIVITIES}/feed`, read, {
      ...nulls(bodySchema('/feed')),
      extra: 1,
    });
    expect(res.status).toBe(400);
    expect(unknownFields(res.body)).toEqual(['/extra']);
  });

  it('batch: accepts every documented field of an event and refuses any other', async () => {
    const schema = bodySchema('/batch');
    const event = schema.properties!.events!.items!;
    expect(Object.keys(event.properties!)).toEqual(
      expect.arrayContaining(['guid', 'eventId', 'timeStamp', 'userType', 'loginId', 'attributes']),
    );
    const res = await p.post<Problem>(`${ACTIVITIES}/batch`, write, {
      ...nulls(schema),
      events: [{ ...nulls(event), extraEvent: 1 }],
      extra: 1,
    });
    expect(res.status).toBe(400);
    expect(unknownFields(res.body)).toEqual(['/events/0/extraEvent', '/extra']);
  });

  it('keeps the document small enough to serve', () => {
    expect(JSON.stringify(doc).length).toBeLessThan(400_000);
  });
});

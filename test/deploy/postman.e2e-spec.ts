import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import newman, { type NewmanRunSummary } from 'newman';
import {
  openApiDocuments,
  startLocalPlatform,
  type LocalPlatform,
  type OpenApiDocument,
} from '../../scripts/local-platform';
import {
  buildPostman,
  COLLECTION_FILE,
  ENVIRONMENT_FILE,
  EXPECTED_STATUS,
  POSTMAN_DIR,
  REFERENCE_FOLDERS,
  WORKFLOWS,
} from '../../scripts/postman';
import { SANDBOX } from '../../scripts/sandbox';
import { seedActivity } from '../../scripts/seed-activity';
import { createTestDatabase, type TestDatabase } from '../support/database';

interface Item {
  id?: string;
  name: string;
  item?: Item[];
  event?: { listen: string; script: { exec: string[] } }[];
  request?: { method: string; url: { host: string[]; path: string[] } };
}

const collection = JSON.parse(readFileSync(join(POSTMAN_DIR, COLLECTION_FILE), 'utf8')) as {
  item: Item[];
};
const environment = JSON.parse(readFileSync(join(POSTMAN_DIR, ENVIRONMENT_FILE), 'utf8')) as {
  values: { key: string; value: string }[];
};
const leaves = (items: Item[]): Item[] => items.flatMap((i) => (i.item ? leaves(i.item) : [i]));

/** The status a request's test script asserts first (every generated script starts with it). */
const expectedStatus = (item: Item): number | undefined => {
  const test = item.event?.find((e) => e.listen === 'test')?.script.exec.join('\n') ?? '';
  const m = EXPECTED_STATUS.exec(test);
  return m ? Number(m[1]) : undefined;
};

/** Requests in each workflow folder: the chain is what the issue asks for, so an exact count. */
const WORKFLOW_REQUESTS: Record<string, number> = {
  [WORKFLOWS.clientCredentials]: 5,
  [WORKFLOWS.customer]: 9,
  [WORKFLOWS.shapes]: 9,
  [WORKFLOWS.export]: 3,
  [WORKFLOWS.feed]: 3,
};

describe('the committed Postman collection (docs/postman)', () => {
  let db: TestDatabase;
  let platform: LocalPlatform;
  let docs: Awaited<ReturnType<typeof openApiDocuments>>;

  beforeAll(async () => {
    db = await createTestDatabase('postman');
    platform = await startLocalPlatform(db.url);
    // The sandbox FI with its activity, as `npm start` seeds it (fewer events).
    await seedActivity({
      databaseUrl: db.url,
      institutionId: SANDBOX.institutionId,
      events: 3_000,
    });
    docs = await openApiDocuments(platform);
  }, 120_000);
  afterAll(async () => {
    await platform?.close();
    await db?.drop();
  });

  it('is what `npm run postman` makes of the current OpenAPI documents (re-run it after API changes)', () => {
    // The documents' examples carry fresh times and unique values on every serve: compare the
    // requests (folders, names, methods, URLs) and the environment, not the bodies.
    const outline = (items: Item[]): unknown[] =>
      items.map((i) =>
        i.item
          ? { folder: i.name, items: outline(i.item) }
          : `${i.name} ${i.request!.method} ${i.request!.url.host[0]}/${i.request!.url.path.join('/')}`,
      );
    const built = JSON.parse(JSON.stringify(buildPostman(docs))) as {
      collection: { item: Item[] };
      environment: unknown;
    };
    expect(outline(built.collection.item)).toEqual(outline(collection.item));
    expect(built.environment).toEqual(environment);
  });

  it('covers every operation of the documents', () => {
    const variableOf = {
      auth: '{{authUrl}}',
      customer: '{{customerUrl}}',
      activity: '{{activityUrl}}',
    } as const;
    const inCollection = new Set(
      leaves(collection.item).map(
        (i) =>
          `${i.request!.method} ${i.request!.url.host[0]}/${i.request!.url.path.join('/').replace(/:([A-Za-z]+)/g, '{$1}')}`,
      ),
    );
    const expected = (Object.entries(docs) as [keyof typeof variableOf, OpenApiDocument][]).flatMap(
      ([service, doc]) =>
        Object.entries(doc.paths).flatMap(([path, methods]) =>
          Object.keys(methods).map((m) => `${m.toUpperCase()} ${variableOf[service]}${path}`),
        ),
    );
    expect(expected.filter((op) => !inCollection.has(op))).toEqual([]);
  });

  it('runs under newman against the seeded sandbox: every request answers the status its test expects', async () => {
    // The committed environment, with this run's addresses and admin secret swapped in.
    const envVar = [
      { key: 'authUrl', value: platform.urls.auth },
      { key: 'customerUrl', value: platform.urls.customer },
      { key: 'activityUrl', value: platform.urls.activity },
      { key: 'adminClientSecret', value: platform.env.ADMIN_CLIENT_SECRET! },
    ];
    const summary = await new Promise<NewmanRunSummary>((resolve, reject) =>
      newman.run({ collection, environment, envVar, reporters: [] }, (err, s) =>
        err ? reject(err) : resolve(s),
      ),
    );
    const failures = summary.run.failures.map(
      (f) => `${f.source?.name ?? '?'}: ${f.error.message}`,
    );
    expect(failures).toEqual([]);
    expect(summary.run.stats.assertions.failed).toBe(0);

    // Requests a script sends (the token fetch, the wait for events) are executions of the same
    // item; the item's own request is its last.
    const answered = new Map<string, number | undefined>();
    for (const e of summary.run.executions) answered.set(e.item.id!, e.response?.code);
    const items = leaves(collection.item);
    const mismatches: string[] = [];
    // newman gives every item an id when the collection has none: match them by position.
    const executedItems = [
      ...new Map(summary.run.executions.map((e) => [e.item.id!, e.item.name])).entries(),
    ];
    expect(executedItems.map(([, name]) => name)).toEqual(items.map((i) => i.name));
    executedItems.forEach(([id, name], index) => {
      const expected = expectedStatus(items[index]!);
      const actual = answered.get(id);
      if (expected === undefined || expected !== actual)
        mismatches.push(`${name}: expected ${expected ?? 'no status'}, got ${actual}`);
    });
    expect(mismatches).toEqual([]);

    // Requests per folder, as run: the workflows in full, every reference folder non-empty.
    const perFolder = Object.fromEntries(
      collection.item.map((folder) => [folder.name, leaves(folder.item ?? []).length]),
    );
    expect(perFolder).toMatchObject(WORKFLOW_REQUESTS);
    for (const name of Object.values(REFERENCE_FOLDERS)) expect(perFolder[name]).toBeGreaterThan(0);
    expect(Object.keys(perFolder).sort()).toEqual(
      [...Object.keys(WORKFLOW_REQUESTS), ...Object.values(REFERENCE_FOLDERS)].sort(),
    );
    expect(summary.run.stats.requests.failed).toBe(0);
    // Beside the status, at least one assertion on what each request answered.
    expect(summary.run.stats.assertions.total).toBeGreaterThan(items.length * 3);
    console.log(
      `newman: ${items.length} requests (${summary.run.stats.requests.total} sent, scripts' own included), ` +
        `${summary.run.stats.assertions.total} assertions, 0 failed; per folder ${JSON.stringify(perFolder)}`,
    );

    // The committed environment is the sandbox of `npm start`.
    expect(Object.fromEntries(environment.values.map((v) => [v.key, v.value]))).toMatchObject({
      authUrl: 'http://localhost:3001',
      customerUrl: 'http://localhost:3002',
      activityUrl: 'http://localhost:3003',
      clientId: platform.env.SANDBOX_CLIENT_ID,
      clientSecret: platform.env.SANDBOX_CLIENT_SECRET,
      adminClientId: platform.env.ADMIN_CLIENT_ID,
    });
  }, 120_000);
});

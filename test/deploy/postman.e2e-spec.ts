import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import newman, { type NewmanRunSummary } from 'newman';
import {
  openApiDocuments,
  startLocalPlatform,
  type LocalPlatform,
  type OpenApiDocument,
} from '../../scripts/local-platform';
import { COLLECTION_FILE, ENVIRONMENT_FILE, POSTMAN_DIR } from '../../scripts/postman';
import { createTestDatabase, type TestDatabase } from '../support/database';

interface Item {
  name: string;
  item?: Item[];
  request?: { method: string; url: { host: string[]; path: string[] } };
}

const collection = JSON.parse(readFileSync(join(POSTMAN_DIR, COLLECTION_FILE), 'utf8')) as {
  item: Item[];
};
const environment = JSON.parse(readFileSync(join(POSTMAN_DIR, ENVIRONMENT_FILE), 'utf8')) as {
  values: { key: string; value: string }[];
};
const leaves = (items: Item[]): Item[] => items.flatMap((i) => (i.item ? leaves(i.item) : [i]));

describe('the committed Postman collection (docs/postman)', () => {
  let db: TestDatabase;
  let platform: LocalPlatform;

  beforeAll(async () => {
    db = await createTestDatabase('postman');
    platform = await startLocalPlatform(db.url);
  });
  afterAll(async () => {
    await platform?.close();
    await db?.drop();
  });

  it('covers every operation of the current OpenAPI documents (re-run `npm run postman` after API changes)', async () => {
    const docs = await openApiDocuments(platform);
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

  it('runs green under newman against the local platform: the walkthrough and every generated request', async () => {
    // The committed environment, with only the addresses of this run's services swapped in.
    const envVar = [
      { key: 'authUrl', value: platform.urls.auth },
      { key: 'customerUrl', value: platform.urls.customer },
      { key: 'activityUrl', value: platform.urls.activity },
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
    // Every request ran (a token fetched by the collection script counts as one more execution of its item).
    expect(new Set(summary.run.executions.map((e) => e.item.id)).size).toBe(
      leaves(collection.item).length,
    );
    expect(summary.run.stats.assertions.failed).toBe(0);
    expect(summary.run.stats.assertions.total).toBeGreaterThan(leaves(collection.item).length * 2);
    // The committed environment is the sandbox of `npm start`.
    expect(Object.fromEntries(environment.values.map((v) => [v.key, v.value]))).toMatchObject({
      authUrl: 'http://localhost:3001',
      clientId: platform.env.SANDBOX_CLIENT_ID,
      clientSecret: platform.env.SANDBOX_CLIENT_SECRET,
    });
  });
});

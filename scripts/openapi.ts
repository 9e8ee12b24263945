/**
 * `npm run openapi`: the three services' OpenAPI documents, written to docs/openapi/*.json from
 * the platform started in this process (as `npm run postman` does), for review, for tools that
 * read files and for the linter (`npm run lint:openapi`, Redocly `recommended`, redocly.yaml).
 *
 * Examples whose values depend on the moment (search ranges, event times) or must be unique
 * (loginId, event guids) are filled in each time a service serves its document; here they are
 * filled in with a fixed clock (EXAMPLES_AT) so that the files only change when the API does.
 */
import { existsSync, mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { startEmbeddedPostgres } from './embedded-postgres';
import { startLocalPlatform, type LocalPlatform } from './local-platform';
import { LOCAL_URLS } from './sandbox';

// Run from source (tests) or from dist/scripts (npm run openapi).
const ROOT = existsSync(resolve(__dirname, '../package.json'))
  ? resolve(__dirname, '..')
  : resolve(__dirname, '../..');
export const OPENAPI_DIR = join(ROOT, 'docs/openapi');
export const OPENAPI_FILES = {
  auth: 'auth-server.json',
  customer: 'customer-service.json',
  activity: 'activity-service.json',
} as const;

/** The moment the files' examples are computed for (any fixed instant keeps them stable). */
export const EXAMPLES_AT = '2026-01-01T12:00:00.000Z';

export async function fetchDocuments(
  platform: LocalPlatform,
  examplesAt?: string,
): Promise<Record<keyof typeof OPENAPI_FILES, Record<string, unknown>>> {
  const query = examplesAt ? `?examplesAt=${encodeURIComponent(examplesAt)}` : '';
  const get = async (url: string) => {
    const res = await fetch(`${url}/docs-json${query}`);
    if (!res.ok) throw new Error(`${url}/docs-json: ${res.status}`);
    return (await res.json()) as Record<string, unknown>;
  };
  return {
    auth: await get(platform.urls.auth),
    customer: await get(platform.urls.customer),
    activity: await get(platform.urls.activity),
  };
}

/** A document as its file holds it: the addresses of `npm start` instead of this run's ports. */
export function fileText(platform: LocalPlatform, document: Record<string, unknown>): string {
  let text = JSON.stringify(document, null, 2);
  for (const [service, url] of Object.entries(platform.urls))
    text = text.replaceAll(url, LOCAL_URLS[service as keyof typeof LOCAL_URLS]);
  return `${text}\n`;
}

async function main(): Promise<void> {
  const db = process.env.DATABASE_URL
    ? undefined
    : await startEmbeddedPostgres({
        dir: mkdtempSync(join(tmpdir(), 'openapi-')),
        persistent: false,
      });
  const platform = await startLocalPlatform(process.env.DATABASE_URL ?? db!.url);
  try {
    const documents = await fetchDocuments(platform, EXAMPLES_AT);
    mkdirSync(OPENAPI_DIR, { recursive: true });
    for (const [key, file] of Object.entries(OPENAPI_FILES)) {
      const text = fileText(platform, documents[key as keyof typeof OPENAPI_FILES]);
      writeFileSync(join(OPENAPI_DIR, file), text);
      console.log(`wrote ${join(OPENAPI_DIR, file)}`);
    }
  } finally {
    await platform.close();
    await db?.stop();
  }
}

if (require.main === module) {
  main().catch((err: unknown) => {
    console.error(err);
    process.exit(1);
  });
}

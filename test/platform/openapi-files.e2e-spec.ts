import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import {
  EXAMPLES_AT,
  fetchDocuments,
  fileText,
  OPENAPI_DIR,
  OPENAPI_FILES,
} from '../../scripts/openapi';
import { startLocalPlatform, type LocalPlatform } from '../../scripts/local-platform';
import { createTestDatabase, type TestDatabase } from '../support/database';

/**
 * docs/openapi/*.json are what `npm run lint` lints and what tools read: they must be the
 * documents the services serve today, or the linter checks an API that no longer exists.
 */
describe('docs/openapi: the committed documents are the served ones', () => {
  let db: TestDatabase;
  let platform: LocalPlatform;

  beforeAll(async () => {
    db = await createTestDatabase('openapi_files');
    platform = await startLocalPlatform(db.url);
  });
  afterAll(async () => {
    await platform?.close();
    await db?.drop();
  });

  it('matches a fresh `npm run openapi` (run it after changing an endpoint)', async () => {
    const documents = await fetchDocuments(platform, EXAMPLES_AT);
    for (const [key, file] of Object.entries(OPENAPI_FILES)) {
      const committed = readFileSync(join(OPENAPI_DIR, file), 'utf8');
      const served = fileText(platform, documents[key as keyof typeof OPENAPI_FILES]);
      expect({ file, same: served === committed }).toEqual({ file, same: true });
    }
  });
});

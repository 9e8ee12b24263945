import { createTestDatabase, type TestDatabase } from './database';
import { ADMIN, clientToken, startAuthServer, type RunningApp } from './platform';

describe('smoke', () => {
  let db: TestDatabase;
  let auth: RunningApp;
  beforeAll(async () => {
    db = await createTestDatabase('smoke');
    auth = await startAuthServer(db);
  });
  afterAll(async () => {
    await auth?.close();
    await db?.drop();
  });
  it('issues a token', async () => {
    expect(typeof (await clientToken(auth.url, ADMIN))).toBe('string');
  });
});

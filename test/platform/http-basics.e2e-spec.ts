import { createTestDatabase, type TestDatabase } from '../support/database';
import { startAuthServer, type RunningApp } from '../support/platform';

describe('every service: health, docs, transactionId, problem+json', () => {
  let db: TestDatabase;
  let auth: RunningApp;

  beforeAll(async () => {
    db = await createTestDatabase('http_basics');
    auth = await startAuthServer(db);
  });
  afterAll(async () => {
    await auth?.close();
    await db?.drop();
  });

  it('reports liveness and readiness (database up, migrations applied)', async () => {
    expect(await (await fetch(`${auth.url}/health/live`)).json()).toEqual({
      status: 'ok',
      node: process.version,
    });
    const ready = await fetch(`${auth.url}/health/ready`);
    expect(ready.status).toBe(200);
    expect(await ready.json()).toMatchObject({
      status: 'ok',
      info: { database: { status: 'up' }, migrations: { status: 'up' } },
    });
  });

  it('serves Swagger UI and an OpenAPI 3 document describing the contract paths', async () => {
    const ui = await fetch(`${auth.url}/docs`);
    expect(ui.status).toBe(200);
    expect(await ui.text()).toContain('swagger');
    const doc = (await (await fetch(`${auth.url}/docs-json`)).json()) as {
      openapi: string;
      paths: Record<string, unknown>;
    };
    expect(doc.openapi).toMatch(/^3\./);
    expect(Object.keys(doc.paths)).toEqual(
      expect.arrayContaining([
        '/oauth2/v1/token',
        '/oauth2/v1/introspect',
        '/oauth2/v1/revoke',
        '/oauth2/v1/keys',
        '/.well-known/jwks.json',
        '/.well-known/oauth-authorization-server',
        '/admin/v1/clients',
        '/admin/v1/keys/rotate',
      ]),
    );
  });

  it('echoes a caller transactionId, makes one when absent, and replaces one that is not a UUID', async () => {
    const id = '3f0c8d4e-1b2a-4c5d-8e9f-0a1b2c3d4e5f';
    expect(
      (await fetch(`${auth.url}/health/live`, { headers: { transactionId: id } })).headers.get(
        'transactionid',
      ),
    ).toBe(id);
    const made = (await fetch(`${auth.url}/health/live`)).headers.get('transactionid');
    expect(made).toMatch(/^[0-9a-f-]{36}$/);
    const replaced = (
      await fetch(`${auth.url}/health/live`, { headers: { transactionId: 'x"; DROP TABLE' } })
    ).headers.get('transactionid');
    expect(replaced).toMatch(/^[0-9a-f-]{36}$/);
  });

  it('answers an unknown route with problem+json carrying the transactionId', async () => {
    const res = await fetch(`${auth.url}/nope`, {
      headers: { transactionId: '3f0c8d4e-1b2a-4c5d-8e9f-0a1b2c3d4e5f' },
    });
    expect(res.status).toBe(404);
    expect(res.headers.get('content-type')).toMatch(/^application\/problem\+json/);
    expect(await res.json()).toMatchObject({
      status: 404,
      code: 'NOT_FOUND',
      transactionId: '3f0c8d4e-1b2a-4c5d-8e9f-0a1b2c3d4e5f',
    });
  });
});

import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { committedDocumentsDir, ReferenceDocuments, servedDocument } from './reference.documents';

const doc = (title: string) => ({
  openapi: '3.0.0',
  info: { title },
  servers: [{ url: 'http://internal:3003' }],
  paths: { '/x': { servers: [{ url: 'http://elsewhere' }], get: { summary: 'x' } } },
  components: {
    securitySchemes: {
      app: {
        type: 'oauth2',
        flows: {
          clientCredentials: { tokenUrl: 'http://auth-internal:3001/oauth2/v1/token', scopes: {} },
        },
      },
      bearer: { type: 'http', scheme: 'bearer' },
    },
  },
});

describe('reference documents', () => {
  it("serve the service's public URL and the public token endpoint, nothing else changed", () => {
    const served = servedDocument(
      doc('activity'),
      { name: 'activity-service', publicUrl: 'https://gw.example' },
      'https://gw.example/',
    );
    expect(served.servers).toEqual([
      { url: 'https://gw.example', description: 'activity-service' },
    ]);
    expect(served.paths!['/x']).toEqual({ get: { summary: 'x' } });
    expect(served.components!.securitySchemes!.app!.flows!.clientCredentials!.tokenUrl).toBe(
      'https://gw.example/oauth2/v1/token',
    );
    expect(served.components!.securitySchemes!.bearer).toEqual({ type: 'http', scheme: 'bearer' });
    expect(served.info).toEqual({ title: 'activity' });
  });

  it('read the live document, keep it a minute, else fall back to the committed copy', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'openapi-'));
    writeFileSync(join(dir, 'customer-service.json'), JSON.stringify(doc('committed')));
    let live: 'ok' | 'down' = 'ok';
    const fetchImpl = jest.fn(async (url: string) =>
      live === 'ok'
        ? Response.json(doc(`live ${url}`))
        : Promise.reject(new TypeError('fetch failed')),
    ) as unknown as typeof fetch;
    const docs = new ReferenceDocuments(
      [
        {
          name: 'customer-service',
          internalUrl: 'http://c:3002/',
          publicUrl: 'http://localhost:3002',
        },
        {
          name: 'activity-service',
          internalUrl: 'http://a:3003',
          publicUrl: 'http://localhost:3003',
        },
      ],
      'http://localhost:3001',
      { fetchImpl, committedDir: dir, ttlMs: 60_000 },
    );
    expect(docs.names()).toEqual(['customer-service', 'activity-service']);
    expect(docs.has('auth-server')).toBe(false);
    const first = await docs.document('customer-service', 0);
    expect(first?.info).toEqual({ title: 'live http://c:3002/docs-json' });
    expect(first?.servers).toEqual([
      { url: 'http://localhost:3002', description: 'customer-service' },
    ]);
    live = 'down';
    expect((await docs.document('customer-service', 59_000))?.info).toEqual({
      title: 'live http://c:3002/docs-json',
    });
    expect((await docs.document('customer-service', 61_000))?.info).toEqual({ title: 'committed' });
    // No live document and no committed copy.
    expect(await docs.document('activity-service', 0)).toBeNull();
  });

  it('finds the committed documents of this repository', () => {
    expect(committedDocumentsDir()).toMatch(/docs\/openapi$/);
  });
});

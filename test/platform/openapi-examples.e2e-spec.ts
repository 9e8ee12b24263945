import {
  openApiDocuments,
  startLocalPlatform,
  type LocalPlatform,
} from '../../scripts/local-platform';
import { SANDBOX } from '../../scripts/sandbox';
import { seedActivity } from '../../scripts/seed-activity';
import { createTestDatabase, type TestDatabase } from '../support/database';
import { postForm, type Credentials } from '../support/platform';

/*
 * "An API reference that works when you try it": every request example of every operation of the
 * three documents, sent as the document describes it (its server, its content type, a token got
 * the way its security requirement says: client credentials with the requirement's scopes, the
 * password grant where only a customer may call, HTTP Basic on the OAuth endpoints), answers the
 * status the example documents (x-expected-status). Operations without a request body are sent
 * once and must answer their documented 2xx. The platform runs in sandbox mode with seeded
 * activity, as `npm start` does.
 *
 * What no example can know is filled in from earlier answers, as a reader would: the customerId
 * and loginId of a registration, the clientId of a created client, the refresh token of a
 * password grant.
 */

type Service = 'auth' | 'customer' | 'activity';
type Json = Record<string, unknown>;
interface Example {
  summary: string;
  value: unknown;
  'x-expected-status'?: number;
}
interface Parameter {
  name: string;
  in: string;
  required?: boolean;
  example?: unknown;
  schema?: { example?: unknown };
}
interface Operation {
  security?: Record<string, string[]>[];
  parameters?: Parameter[];
  requestBody?: { content: Record<string, { examples?: Record<string, Example> }> };
  responses: Record<string, unknown>;
}
interface Document {
  servers: { url: string }[];
  paths: Record<string, Record<string, Operation>>;
  components: { securitySchemes: Record<string, { flows?: Record<string, { tokenUrl: string }> }> };
}
interface Sent {
  key: string;
  example: string;
  expected: number;
  status: number;
  body: string;
}

/** Sent first, in this order: what later examples build on. */
const FIRST = [
  'customer post /customers/v2/disclosures',
  'customer post /customers/v2/registrations',
  'auth post /oauth2/v1/token',
  'activity post /data-apis/v1/banking-activities/batch',
  'auth post /admin/v1/clients',
];
/** Sent last: rotating the signing key changes nothing for the others, but keep it apart. */
const LAST = ['auth post /admin/v1/keys/rotate'];
/** The delivery feature documents its own operations (another team's work in progress). */
const NOT_OURS = /\/subscriptions|\/deliver/;
const METHODS = ['get', 'post', 'put', 'patch', 'delete'];

describe('OpenAPI examples: every documented example answers its documented status', () => {
  let db: TestDatabase;
  let platform: LocalPlatform;
  let docs: Record<Service, Document>;
  const sent: Sent[] = [];

  // Filled in from answers, as a reader of the reference would.
  const context: {
    retail?: { customerId: string; loginId: string; password: string };
    businessCustomerId?: string;
    clientId?: string;
    refreshToken?: string;
  } = {};
  const tokens = new Map<string, string>();

  const clients = (): Record<string, Credentials> => ({
    sandbox: SANDBOX,
    admin: { clientId: 'platform-admin', clientSecret: platform.env.ADMIN_CLIENT_SECRET! },
    internal: {
      clientId: 'customer-service',
      clientSecret: platform.env.CUSTOMER_SERVICE_CLIENT_SECRET!,
    },
  });

  /** The client whose scopes include the requirement's. */
  const clientFor = (scopes: string[]): Credentials =>
    scopes.includes('clients:admin')
      ? clients().admin
      : scopes.some((s) => s.startsWith('internal:'))
        ? clients().internal
        : clients().sandbox;

  /** A token as the operation's first security requirement says. */
  async function authorize(doc: Document, op: Operation): Promise<Record<string, string>> {
    const requirement = op.security?.[0];
    if (!requirement) return {};
    const [scheme, scopes] = Object.entries(requirement)[0]!;
    if (scheme === 'client') {
      const c = clients().sandbox;
      return {
        authorization: `Basic ${Buffer.from(`${c.clientId}:${c.clientSecret}`).toString('base64')}`,
      };
    }
    const flows = doc.components.securitySchemes[scheme]!.flows!;
    const cacheKey = `${scheme} ${scopes.join(' ')}`;
    if (!tokens.has(cacheKey)) {
      const params: Record<string, string> =
        scheme === 'customer'
          ? {
              grant_type: 'password',
              username: context.retail!.loginId,
              password: context.retail!.password,
            }
          : { grant_type: 'client_credentials' };
      const flow = flows.password ?? flows.clientCredentials!;
      const res = await postForm(
        flow.tokenUrl,
        { ...params, ...(scopes.length ? { scope: scopes.join(' ') } : {}) },
        { basic: scheme === 'customer' ? SANDBOX : clientFor(scopes) },
      );
      if (res.status !== 200)
        throw new Error(`${cacheKey}: ${res.status} ${JSON.stringify(res.body)}`);
      tokens.set(cacheKey, res.body.access_token as string);
    }
    return { authorization: `Bearer ${tokens.get(cacheKey)!}` };
  }

  function fillPath(path: string, op: Operation): string {
    return path.replace(/\{(\w+)\}/g, (_m, name: string) => {
      const documented = op.parameters?.find((p) => p.in === 'path' && p.name === name);
      const example = documented?.example ?? documented?.schema?.example;
      const value =
        name === 'customerId'
          ? context.businessCustomerId
          : name === 'clientId'
            ? context.clientId
            : example;
      if (value === undefined) throw new Error(`no value for {${name}} of ${path}`);
      return encodeURIComponent(String(value));
    });
  }

  const query = (op: Operation) => {
    const pairs = (op.parameters ?? [])
      .filter((p) => p.in === 'query' && (p.example ?? p.schema?.example) !== undefined)
      .map((p): [string, string] => [p.name, String(p.example ?? p.schema?.example)]);
    return pairs.length ? `?${new URLSearchParams(pairs).toString()}` : '';
  };

  /** What the token endpoint's examples cannot know: a registered customer, a refresh token. */
  async function tokenExample(name: string, value: Json): Promise<Json> {
    if (name === 'password')
      return { ...value, username: context.retail!.loginId, password: context.retail!.password };
    if (name === 'refreshToken') {
      const grant = await postForm(
        // The customer-service document names the password flow (no auth-server route admits customers).
        docs.customer.components.securitySchemes.customer!.flows!.password!.tokenUrl,
        {
          grant_type: 'password',
          username: context.retail!.loginId,
          password: context.retail!.password,
        },
        { basic: SANDBOX },
      );
      return { ...value, refresh_token: grant.body.refresh_token };
    }
    return value;
  }

  async function send(
    service: Service,
    method: string,
    path: string,
    op: Operation,
    example?: { name: string; contentType: string; value: unknown; expected: number },
  ): Promise<void> {
    const doc = docs[service];
    const url = `${doc.servers[0]!.url}${fillPath(path, op)}${example ? '' : query(op)}`;
    const headers: Record<string, string> = { ...(await authorize(doc, op)) };
    let body: string | undefined;
    if (example) {
      headers['content-type'] = example.contentType;
      let value = example.value as Json;
      if (path === '/oauth2/v1/token') value = await tokenExample(example.name, value);
      body = example.contentType.includes('x-www-form-urlencoded')
        ? new URLSearchParams(value as Record<string, string>).toString()
        : JSON.stringify(value);
    }
    const abort = new AbortController();
    const res = await fetch(url, {
      method: method.toUpperCase(),
      headers,
      body,
      signal: abort.signal,
    });
    // A stream (SSE) never ends: its status is what counts.
    const text = res.headers.get('content-type')?.startsWith('text/event-stream')
      ? (abort.abort(), '')
      : await res.text();
    const expected =
      example?.expected ?? Number(Object.keys(op.responses).find((s) => /^2\d\d$/.test(s)));
    sent.push({
      key: `${service} ${method.toUpperCase()} ${path}`,
      example: example?.name ?? '(no body)',
      expected,
      status: res.status,
      body: text.slice(0, 300),
    });
    remember(service, method, path, example?.name, res.status, text);
  }

  function remember(
    service: Service,
    method: string,
    path: string,
    example: string | undefined,
    status: number,
    text: string,
  ): void {
    if (status >= 300 || !text.startsWith('{')) return;
    let body: Json;
    try {
      body = JSON.parse(text) as Json;
    } catch {
      return; // NDJSON from the export
    }
    if (path === '/customers/v2/registrations' && example === 'retail')
      context.retail = {
        customerId: body.customerId as string,
        loginId: body.loginId as string,
        password: '',
      };
    if (path === '/customers/v2/registrations' && example === 'business')
      context.businessCustomerId = body.customerId as string;
    if (service === 'auth' && method === 'post' && path === '/admin/v1/clients')
      context.clientId ??= body.clientId as string;
  }

  beforeAll(async () => {
    db = await createTestDatabase('openapi_examples');
    platform = await startLocalPlatform(db.url);
    // The sandbox's seeded activity, as npm start seeds it (fewer events, the last two days).
    await seedActivity({
      databaseUrl: db.url,
      institutionId: SANDBOX.institutionId,
      events: 2_000,
      days: 2,
      otherInstitutions: 1,
      seed: 7,
    });
    docs = (await openApiDocuments(platform)) as unknown as Record<Service, Document>;

    const all = (Object.keys(docs) as Service[]).flatMap((service) =>
      Object.entries(docs[service].paths).flatMap(([path, item]) =>
        METHODS.filter((m) => item[m]).map((method) => ({
          service,
          method,
          path,
          op: item[method]!,
          key: `${service} ${method} ${path}`,
        })),
      ),
    );
    const rank = (key: string) =>
      FIRST.includes(key) ? FIRST.indexOf(key) - FIRST.length : LAST.includes(key) ? 1 : 0;
    const ordered = all
      .filter((o) => !NOT_OURS.test(o.path))
      .sort((a, b) => rank(a.key) - rank(b.key));

    for (const { service, method, path, op } of ordered) {
      const content = Object.entries(op.requestBody?.content ?? {});
      if (content.length === 0) {
        await send(service, method, path, op);
        continue;
      }
      for (const [contentType, media] of content) {
        for (const [name, example] of Object.entries(media.examples ?? {})) {
          await send(service, method, path, op, {
            name,
            contentType,
            value: example.value,
            expected: example['x-expected-status'] ?? 0,
          });
          if (path === '/customers/v2/registrations' && name === 'retail' && context.retail)
            context.retail.password = (example.value as Json).password as string;
        }
      }
    }
  }, 180_000);

  afterAll(async () => {
    await platform?.close();
    await db?.drop();
  });

  it('documents an example for every request body, each with the status it answers', () => {
    const bodies = (Object.keys(docs) as Service[]).flatMap((service) =>
      Object.entries(docs[service].paths).flatMap(([path, item]) =>
        Object.entries(item)
          .filter(([, op]) => op.requestBody && !NOT_OURS.test(path))
          .flatMap(([method, op]) =>
            Object.values(op.requestBody!.content).map((media) => ({
              key: `${service} ${method} ${path}`,
              statuses: Object.values(media.examples ?? {}).map((e) => e['x-expected-status']),
            })),
          ),
      ),
    );
    expect(bodies.length).toBeGreaterThanOrEqual(14);
    for (const { key, statuses } of bodies) {
      expect({ key, count: statuses.length }).toEqual({ key, count: expect.any(Number) });
      expect({ key, hasExample: statuses.length > 0 }).toEqual({ key, hasExample: true });
      for (const s of statuses)
        expect({ key, status: s }).toEqual({ key, status: expect.any(Number) });
    }
  });

  it('sends every example and gets the documented status', () => {
    const examples = sent.filter((s) => s.example !== '(no body)');
    // Registration (2), disclosures (2 + 2 acceptances x 1), search (8), export (2), feed (2),
    // batch (1), token (4), introspection and revocation (2), profile patches (2 x 2), clients (2).
    expect(examples.length).toBeGreaterThanOrEqual(30);
    if (process.env.EXAMPLES_REPORT)
      console.log(sent.map((s) => `${s.status} ${s.key} ${s.example}`).join('\n'));
    const wrong = sent.filter((s) => s.status !== s.expected);
    expect(wrong).toEqual([]);
  });

  it('answers the search examples with seeded activity, and the FI-wide ones with several events', () => {
    const searches = sent.filter((s) => s.key === 'activity POST /data-apis/v1/banking-activities');
    expect(searches.length).toBe(8);
    const fiWide = searches.find((s) => s.example === 'fiAllEvents')!;
    expect(fiWide.status).toBe(200);
    expect(fiWide.body).toMatch(/"count":10/);
  });

  it('serves fresh examples: times relative to now, new unique values on every load', async () => {
    const load = async () =>
      (await (await fetch(`${platform.urls.customer}/docs-json`)).json()) as Document;
    const [a, b] = [await load(), await load()];
    const loginOf = (d: Document) =>
      (
        d.paths['/customers/v2/registrations']!.post!.requestBody!.content['application/json']!
          .examples!.retail!.value as Json
      ).loginId;
    expect(loginOf(a)).not.toEqual(loginOf(b));
    const search = (await (await fetch(`${platform.urls.activity}/docs-json`)).json()) as Document;
    const start = (
      search.paths['/data-apis/v1/banking-activities']!.post!.requestBody!.content[
        'application/json'
      ]!.examples!.fiAllEvents!.value as Json
    ).startTime as string;
    expect(Math.abs(Date.parse(start) - (Date.now() - 86_400_000))).toBeLessThan(60_000);
  });
});

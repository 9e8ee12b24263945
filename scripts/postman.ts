/**
 * `npm run postman`: the Postman collection and local environment under docs/postman, built from
 * the three services' OpenAPI documents and their examples (a request body's `example`, or each
 * of its named `examples`; the schema's property examples when it has neither).
 *
 * Workflow folders first, each a chain that runs as is against `npm start` (client credentials;
 * register and log in a customer; the six activity search shapes; export; the feed), then one
 * reference folder per service with every operation. Every request carries a test script whose
 * first assertion is the status it must answer (`pm.response.to.have.status(N)`), followed by the
 * fields that matter and, on error examples, the problem `code` (or the OAuth `error`). The
 * collection fetches a client_credentials token for the sandbox app whenever it has none (or it
 * is about to expire) and sends it as the bearer token.
 */
import { existsSync, mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { startEmbeddedPostgres } from './embedded-postgres';
import { openApiDocuments, startLocalPlatform, type OpenApiDocument } from './local-platform';
import { LOCAL_URLS, SANDBOX } from './sandbox';

type Json = Record<string, unknown>;
export interface PostmanItem {
  name: string;
  description?: string;
  item?: PostmanItem[];
  request?: Json & {
    url: Json & { raw?: string; host?: string[]; path?: string[] };
    auth?: Json;
    method: string;
  };
  event?: Json[];
  response?: unknown[];
  [key: string]: unknown;
}
type Docs = Record<'auth' | 'customer' | 'activity', OpenApiDocument>;
type Service = keyof Docs;

// Run from source (tests) or from dist/scripts (npm run postman).
const ROOT = existsSync(resolve(__dirname, '../package.json'))
  ? resolve(__dirname, '..')
  : resolve(__dirname, '../..');
export const POSTMAN_DIR = join(ROOT, 'docs/postman');
export const COLLECTION_FILE = 'digital-banking.postman_collection.json';
export const ENVIRONMENT_FILE = 'local.postman_environment.json';

/** The workflow folders, in run order; the test counts the requests of each. */
export const WORKFLOWS = {
  clientCredentials: '1. Client credentials',
  customer: '2. Register and log in a customer',
  shapes: '3. Banking activity: the six search shapes',
  export: '4. Banking activity: export',
  feed: '5. Banking activity: feed',
} as const;
export const REFERENCE_FOLDERS = {
  auth: 'Reference: auth-server',
  customer: 'Reference: customer-service',
  activity: 'Reference: activity-service',
} as const;
/** The status a request's test expects: the first assertion of every generated test script. */
export const EXPECTED_STATUS = /pm\.response\.to\.have\.status\((\d{3})\)/;

const VARIABLE: Record<Service, string> = {
  auth: '{{authUrl}}',
  customer: '{{customerUrl}}',
  activity: '{{activityUrl}}',
};
const SEARCH = '/data-apis/v1/banking-activities';
const TOKEN = '/oauth2/v1/token';
/** The search window of the activity folders: the last 90 days (the look-back is 93). */
const WINDOW_DAYS = 90;

const script = (lines: string[]) => ({ type: 'text/javascript', exec: lines });
const basicAuth = (user = '{{clientId}}', password = '{{clientSecret}}') => ({
  type: 'basic',
  basic: [
    { key: 'username', value: user, type: 'string' },
    { key: 'password', value: password, type: 'string' },
  ],
});
const bearer = (token: string) => ({
  type: 'bearer',
  bearer: [{ key: 'token', value: token, type: 'string' }],
});
const noauth = { type: 'noauth' };
const APP = undefined; // inherits the collection's app token
const CUSTOMER = bearer('{{customerToken}}');
const ADMIN = bearer('{{adminToken}}');

/** A client_credentials token fetched into `variable` when missing or about to expire. */
const ensureToken = (variable: string, id: string, secret: string) => [
  `const expiresAt = Number(pm.collectionVariables.get('${variable}ExpiresAt') || 0);`,
  `if (!pm.collectionVariables.get('${variable}') || Date.now() > expiresAt - 30000) {`,
  '  pm.sendRequest({',
  `    url: pm.variables.replaceIn('{{authUrl}}${TOKEN}'),`,
  "    method: 'POST',",
  '    header: {',
  "      'Content-Type': 'application/x-www-form-urlencoded',",
  `      Authorization: 'Basic ' + btoa(pm.variables.replaceIn('${id}') + ':' + pm.variables.replaceIn('${secret}')),`,
  '    },',
  "    body: { mode: 'urlencoded', urlencoded: [{ key: 'grant_type', value: 'client_credentials' }] },",
  '  }, (err, res) => {',
  `    if (err || res.code !== 200) { console.error('${variable}: token request failed', err || res.text()); return; }`,
  '    const body = res.json();',
  `    pm.collectionVariables.set('${variable}', body.access_token);`,
  `    pm.collectionVariables.set('${variable}ExpiresAt', String(Date.now() + body.expires_in * 1000));`,
  '  });',
  '}',
];

/** After every request: what holds for any answer of this platform. */
const COMMON_CHECKS = [
  "pm.test('transactionId is echoed', () => pm.expect(pm.response.headers.get('transactionId')).to.match(/^[0-9a-f-]{36}$/));",
  "if (pm.response.code >= 400 && !pm.request.url.getPath().startsWith('/oauth2/')) {",
  "  pm.test('errors are problem+json', () => pm.expect(pm.response.headers.get('Content-Type')).to.include('application/problem+json'));",
  '}',
];

/** Sets the activity folders' window (the last WINDOW_DAYS days, up to now). */
const WINDOW = [
  `pm.collectionVariables.set('windowStart', new Date(Date.now() - ${WINDOW_DAYS} * 86400000).toISOString());`,
  "pm.collectionVariables.set('windowEnd', new Date().toISOString());",
];

interface Expect {
  status: number;
  /** Further assertions (pm.test lines) and variable captures. */
  checks?: string[];
  /** An error example: the problem+json `code` (or, on OAuth endpoints, `error`) it answers. */
  code?: string;
}

interface RequestOptions {
  auth?: Json;
  body?: Json;
  headers?: Record<string, string>;
  query?: Record<string, string>;
  prerequest?: string[];
  description?: string;
}

function request(
  name: string,
  method: string,
  service: Service,
  path: string,
  expect: Expect,
  opts: RequestOptions = {},
): PostmanItem {
  const tests = [
    `pm.test('status ${expect.status}', () => pm.response.to.have.status(${expect.status}));`,
  ];
  if (expect.code)
    tests.push(
      path.startsWith('/oauth2/')
        ? `pm.test('error ${expect.code}', () => pm.expect(pm.response.json().error).to.eql('${expect.code}'));`
        : `pm.test('problem code ${expect.code}', () => pm.expect(pm.response.json().code).to.eql('${expect.code}'));`,
    );
  tests.push(...(expect.checks ?? []));
  const query = Object.entries(opts.query ?? {});
  const raw = `${VARIABLE[service]}${path}${query.length ? `?${query.map(([k, v]) => `${k}=${v}`).join('&')}` : ''}`;
  const headers = Object.entries(opts.headers ?? {}).map(([key, value]) => ({ key, value }));
  if (opts.body?.mode === 'raw')
    headers.unshift({
      key: 'Content-Type',
      value: String(opts.body.contentType ?? 'application/json'),
    });
  return {
    name,
    ...(opts.description ? { description: opts.description } : {}),
    event: [
      ...(opts.prerequest ? [{ listen: 'prerequest', script: script(opts.prerequest) }] : []),
      { listen: 'test', script: script(tests) },
    ],
    request: {
      method,
      ...(opts.auth ? { auth: opts.auth } : {}),
      header: headers,
      ...(opts.body ? { body: { ...opts.body, contentType: undefined } } : {}),
      url: {
        raw,
        host: [VARIABLE[service]],
        path: path
          .slice(1)
          .split('/')
          .map((s) => s.replace(/^\{(\w+)\}$/, ':$1')),
        ...(query.length ? { query: query.map(([key, value]) => ({ key, value })) } : {}),
        ...(/\{\w+\}/.test(path)
          ? {
              variable: [...path.matchAll(/\{(\w+)\}/g)].map((m) => ({
                key: m[1],
                value: `{{${PATH_VARIABLES[m[1]!] ?? m[1]}}}`,
              })),
            }
          : {}),
      },
    },
    response: [],
  };
}

/** Path parameters, bound to what the workflows captured. */
const PATH_VARIABLES: Record<string, string> = {
  customerId: 'customerId',
  clientId: 'newClientId',
  disclosureId: 'publishedDisclosureId',
  version: 'publishedDisclosureVersion',
  id: 'subscriptionId',
  subscriptionId: 'subscriptionId',
  fileId: 'fileId',
};

/**
 * A JSON body. `{{name}}` placeholders stay strings; `"{{json:name}}"` becomes the variable's raw
 * JSON (an array kept in a collection variable).
 */
const json = (value: unknown, contentType = 'application/json') => ({
  mode: 'raw',
  raw: JSON.stringify(value, null, 2).replace(/"\{\{json:(\w+)\}\}"/g, '{{$1}}'),
  options: { raw: { language: 'json' } },
  contentType,
});
const form = (fields: Record<string, string>) => ({
  mode: 'urlencoded',
  urlencoded: Object.entries(fields).map(([key, value]) => ({ key, value })),
});

// ---------------------------------------------------------------------------------------------
// Reading the documents

interface Operation {
  summary?: string;
  description?: string;
  tags?: string[];
  security?: Record<string, string[]>[];
  parameters?: { name: string; in: string; required?: boolean; example?: unknown }[];
  requestBody?: { content?: Record<string, MediaType> };
  responses?: Record<string, { content?: Record<string, MediaType> } | undefined>;
}
interface MediaType {
  schema?: Json;
  example?: unknown;
  examples?: Record<string, { summary?: string; value?: unknown; $ref?: string }>;
}
interface Example {
  name: string;
  summary?: string;
  value: Json;
}

function operation(doc: OpenApiDocument, method: string, path: string): Operation {
  const op = doc.paths[path]?.[method.toLowerCase()] as Operation | undefined;
  if (!op) throw new Error(`${method} ${path} is not in the "${doc.info.title}" document`);
  return op;
}

function deref<T>(doc: OpenApiDocument, value: T): T {
  let v = value as Json | undefined;
  while (v && typeof v.$ref === 'string') {
    v = v.$ref
      .slice(2)
      .split('/')
      .reduce<unknown>((node, key) => (node as Json | undefined)?.[key], doc) as Json;
  }
  return v as T;
}

/** A value from the schema's own examples: every property with one, and every required one. */
function synthesise(doc: OpenApiDocument, schemaRef: unknown): unknown {
  const schema = deref(doc, schemaRef as Json | undefined);
  if (!schema) return undefined;
  if (schema.example !== undefined) return schema.example;
  if (schema.default !== undefined) return schema.default;
  if (Array.isArray(schema.enum)) return schema.enum[0];
  if (Array.isArray(schema.allOf)) return synthesise(doc, schema.allOf[0]);
  if (schema.type === 'array') {
    const item = synthesise(doc, schema.items);
    return item === undefined ? [] : [item];
  }
  if (schema.type === 'object' || schema.properties) {
    const required = new Set((schema.required as string[] | undefined) ?? []);
    const out: Json = {};
    for (const [key, prop] of Object.entries((schema.properties as Json | undefined) ?? {})) {
      const p = deref(doc, prop as Json);
      const hasOwn = p.example !== undefined || p.$ref !== undefined || p.properties;
      if (!required.has(key) && !hasOwn && !(prop as Json).$ref) continue;
      const value = synthesise(doc, prop);
      if (value !== undefined) out[key] = value;
    }
    return out;
  }
  if (schema.type === 'string') return 'string';
  if (schema.type === 'boolean') return false;
  if (schema.type === 'integer' || schema.type === 'number') return 1;
  return undefined;
}

/** The request body's examples: each named one, else its `example`, else one from the schema. */
function examples(doc: OpenApiDocument, op: Operation, contentType?: string): Example[] {
  const content = op.requestBody?.content;
  if (!content) return [];
  const media = content[contentType ?? Object.keys(content)[0]!];
  if (!media) return [];
  const named = Object.entries(media.examples ?? {}).map(([name, ex]) => {
    const e = deref(doc, ex);
    return { name, summary: e?.summary, value: e?.value as Json };
  });
  if (named.length) return named.filter((e) => e.value && typeof e.value === 'object');
  if (media.example && typeof media.example === 'object')
    return [{ name: 'example', value: media.example as Json }];
  return [{ name: 'example', value: (synthesise(doc, media.schema) ?? {}) as Json }];
}

/** The problem `code` (or OAuth `error`) a documented error response's example shows, if any. */
function documentedCode(op: Operation, status: number, fallback: string): string {
  const media = Object.values(op.responses?.[String(status)]?.content ?? {});
  for (const m of media) {
    const values = [
      m.example,
      ...Object.values(m.examples ?? {}).map((e) => (e as { value?: unknown }).value),
    ];
    for (const v of values) {
      const code = (v as Json | undefined)?.code ?? (v as Json | undefined)?.error;
      if (code === fallback) return code;
    }
  }
  return fallback;
}

const successStatus = (op: Operation): number =>
  Number(Object.keys(op.responses ?? {}).find((s) => /^2\d\d$/.test(s)) ?? 200);

const clone = <T>(v: T): T => JSON.parse(JSON.stringify(v)) as T;

// ---------------------------------------------------------------------------------------------
// Activity bodies: the documents' examples, on the sandbox's data

type Shape = { user: boolean; events: 'all' | 'several' | 'one' };
const SHAPES: { name: string; shape: Shape }[] = [
  { name: 'Whole FI, every event type', shape: { user: false, events: 'all' } },
  { name: 'Whole FI, several event types', shape: { user: false, events: 'several' } },
  { name: 'Whole FI, one event type', shape: { user: false, events: 'one' } },
  { name: 'One user, every event type', shape: { user: true, events: 'all' } },
  { name: 'One user, several event types', shape: { user: true, events: 'several' } },
  { name: 'One user, one event type', shape: { user: true, events: 'one' } },
];

function shapeOf(body: Json): Shape {
  const ids = Array.isArray(body.eventIds) ? body.eventIds.length : 0;
  return {
    user: body.userId !== undefined || body.userIds !== undefined,
    events: ids === 0 ? 'all' : ids === 1 ? 'one' : 'several',
  };
}

/**
 * An activity body (search, export) on the sandbox's data: the window is the last 90 days, a
 * user is the one the first search of the folder found (`sampleLoginId`), and the event types
 * are that user's event type (`sampleEventId`) and, for several, the rest of the example's list.
 * Filters that could match nothing in a random sandbox (companies, attribute filters) go.
 */
function onSandbox(example: Json, shape: Shape): Json {
  const body = clone(example);
  body.startTime = '{{windowStart}}';
  body.endTime = '{{windowEnd}}';
  delete body.nextPageToken;
  delete body.companyIds;
  delete body.additionalFilters;
  delete body.userType;
  delete body.userId;
  delete body.userIds;
  if (shape.user) {
    body.userIdType = 'loginId';
    body.userId = '{{sampleLoginId}}';
  } else delete body.userIdType;
  const listed = (Array.isArray(example.eventIds) ? example.eventIds : []) as string[];
  if (shape.events === 'all') delete body.eventIds;
  else if (shape.events === 'one')
    body.eventIds = [shape.user ? '{{sampleEventId}}' : (listed[0] ?? 'loginSuccess')];
  else {
    const others = listed.filter((e) => e !== '{{sampleEventId}}');
    const several = shape.user
      ? ['{{sampleEventId}}', ...(others.length ? others : ['loginSuccess'])]
      : listed.length > 1
        ? listed
        : ['loginSuccess', 'loginFailure', 'logout'];
    body.eventIds = several;
  }
  if (body.pageSize === undefined) body.pageSize = 20;
  return body;
}

/** Asserts that every event matches the body it answers. */
const matchesShape = (shape: Shape): string[] => [
  'const body = pm.response.json();',
  "pm.test('a page of events, counted', () => { pm.expect(body.count).to.be.above(0); pm.expect(body.bankingActivities.length).to.eql(body.count); });",
  "pm.test('guid, eventId and timeStamp on every event', () => body.bankingActivities.forEach((e) => { pm.expect(e.guid).to.be.a('string'); pm.expect(e.eventId).to.be.a('string'); pm.expect(Date.parse(e.timeStamp)).to.be.within(Date.parse(pm.collectionVariables.get('windowStart')), Date.parse(pm.collectionVariables.get('windowEnd'))); }));",
  ...(shape.user
    ? [
        "pm.test('only that user', () => body.bankingActivities.forEach((e) => pm.expect(e.loginId).to.eql(pm.collectionVariables.get('sampleLoginId'))));",
      ]
    : []),
  ...(shape.events !== 'all'
    ? [
        "pm.test('only the event types asked for', () => { const asked = JSON.parse(pm.request.body.raw).eventIds; body.bankingActivities.forEach((e) => pm.expect(asked).to.include(e.eventId)); });",
      ]
    : []),
];

// ---------------------------------------------------------------------------------------------
// Workflows

function clientCredentials(docs: Docs): PostmanItem {
  const token = operation(docs.auth, 'POST', TOKEN);
  const base = examples(docs.auth, token).find((e) => e.value.grant_type === 'client_credentials')
    ?.value ?? { grant_type: 'client_credentials' };
  const fields = (extra: Record<string, string>, drop: string[] = []) => {
    const f: Record<string, string> = {};
    for (const [k, v] of Object.entries({ ...base, ...extra }))
      if (!drop.includes(k) && typeof v === 'string' && !['username', 'password'].includes(k))
        f[k] = v;
    delete f.client_id;
    delete f.client_secret;
    delete f.scopes;
    return {
      ...f,
      ...Object.fromEntries(Object.entries(extra).filter(([k]) => k.startsWith('client_'))),
    };
  };
  const scope = typeof base.scope === 'string' ? base.scope : 'customers:read customers:write';
  return {
    name: WORKFLOWS.clientCredentials,
    description:
      "The FI's server-side app gets an access token with its own credentials (RFC 6749 §4.4): HTTP Basic, or " +
      'client_id/client_secret in the form, then reads it back with introspection. The last two requests show the ' +
      'OAuth errors a client must handle.',
    item: [
      request(
        'App token (HTTP Basic)',
        'POST',
        'auth',
        TOKEN,
        {
          status: 200,
          checks: [
            'const body = pm.response.json();',
            "pm.test('a bearer token with the app default scopes', () => { pm.expect(body.token_type).to.eql('Bearer'); pm.expect(body.access_token.split('.')).to.have.length(3); pm.expect(body.expires_in).to.be.above(0); pm.expect(body.scope.split(' ')).to.include.members(['customers:write', 'banking-activities:read', 'account:read']); });",
            "pm.test('not cached', () => pm.expect(pm.response.headers.get('Cache-Control')).to.include('no-store'));",
            "pm.collectionVariables.set('accessToken', body.access_token);",
            "pm.collectionVariables.set('accessTokenExpiresAt', String(Date.now() + body.expires_in * 1000));",
          ],
        },
        { auth: basicAuth(), body: form(fields({}, ['scope'])) },
      ),
      request(
        'App token (client_secret_post)',
        'POST',
        'auth',
        TOKEN,
        {
          status: 200,
          checks: [
            "pm.test('a bearer token with the scopes asked for', () => { const body = pm.response.json(); pm.expect(body.token_type).to.eql('Bearer'); pm.expect(body.scope.split(' ')).to.have.members(pm.request.body.urlencoded.get('scope').split(' ')); });",
          ],
        },
        {
          auth: noauth,
          body: form(
            fields({ client_id: '{{clientId}}', client_secret: '{{clientSecret}}', scope }),
          ),
        },
      ),
      request(
        'Introspect the app token',
        'POST',
        'auth',
        '/oauth2/v1/introspect',
        {
          status: 200,
          checks: [
            "pm.test('active, issued to the sandbox app for its FI', () => { const body = pm.response.json(); pm.expect(body.active).to.eql(true); pm.expect(body.client_id).to.eql(pm.variables.get('clientId')); pm.expect(body.institution_id).to.be.a('string'); pm.expect(body.exp).to.be.above(Date.now() / 1000); });",
          ],
        },
        { auth: basicAuth(), body: form({ token: '{{accessToken}}' }) },
      ),
      request(
        'Wrong client secret: 401 invalid_client',
        'POST',
        'auth',
        TOKEN,
        {
          status: 401,
          code: documentedCode(token, 401, 'invalid_client'),
          checks: [
            "pm.test('asks for HTTP Basic again', () => pm.expect(pm.response.headers.get('WWW-Authenticate')).to.match(/^Basic/));",
          ],
        },
        {
          auth: basicAuth('{{clientId}}', 'not-the-secret'),
          body: form({ grant_type: 'client_credentials' }),
        },
      ),
      request(
        'Unknown grant type: 400 unsupported_grant_type',
        'POST',
        'auth',
        TOKEN,
        { status: 400, code: documentedCode(token, 400, 'unsupported_grant_type') },
        { auth: basicAuth(), body: form({ grant_type: 'authorization_code', code: 'x' }) },
      ),
    ],
  };
}

function registrationBody(docs: Docs): Json {
  const op = operation(docs.customer, 'POST', '/customers/v2/registrations');
  const all = examples(docs.customer, op);
  const body = clone(all.find((e) => e.value.userType !== 'BUSINESS')?.value ?? all[0]!.value);
  body.loginId = '{{loginId}}';
  body.password = '{{customerPassword}}';
  body.userType = 'RETAIL';
  delete body.institutionCustomerId;
  body.acceptedDisclosures = '{{json:acceptedDisclosures}}';
  return body;
}

function customerWorkflow(docs: Docs): PostmanItem {
  const registration = operation(docs.customer, 'POST', '/customers/v2/registrations');
  const token = operation(docs.auth, 'POST', TOKEN);
  const patch = operation(docs.customer, 'PATCH', '/customers/v2/customers/me');
  const contact = clone(examples(docs.customer, patch)[0]?.value ?? {});
  const body = registrationBody(docs);
  // A change: a merge patch that changes nothing answers the same ETag.
  const registered = (body.person as Json | undefined)?.emailAddress;
  const documented =
    typeof contact.emailAddress === 'string' ? contact.emailAddress : 'ada@example.com';
  const email = documented === registered ? `updated.${documented}` : documented;
  const ssn = String((body.person as Json | undefined)?.ssn ?? '').replace(/\D/g, '');
  return {
    name: WORKFLOWS.customer,
    description:
      'Online-banking signup and login: the disclosures in force, a registration with a new loginId (made by the ' +
      "pre-request script), the mobile app's password grant, the profile, an update, a refresh, and the customer's " +
      'own banking activity (registration and login events arrive within a second).',
    item: [
      request('Disclosures in force', 'GET', 'customer', '/customers/v2/disclosures', {
        status: 200,
        checks: [
          'const body = pm.response.json();',
          'const list = Array.isArray(body) ? body : body.disclosures;',
          "pm.test('each with id, version and whether it is required', () => list.forEach((d) => { pm.expect(d.disclosureId).to.be.a('string'); pm.expect(d.version).to.be.a('string'); pm.expect(d.required).to.be.a('boolean'); }));",
          "pm.collectionVariables.set('acceptedDisclosures', JSON.stringify(list.filter((d) => d.required).map((d) => ({ disclosureId: d.disclosureId, version: d.version }))));",
        ],
      }),
      request(
        'Register a customer',
        'POST',
        'customer',
        '/customers/v2/registrations',
        {
          status: 201,
          checks: [
            'const body = pm.response.json();',
            "pm.test('the new profile, at its Location', () => { pm.expect(body.loginId).to.eql(pm.collectionVariables.get('loginId')); pm.expect(body.customerId).to.be.a('string'); pm.expect(pm.response.headers.get('Location')).to.include(body.customerId); pm.expect(body.userType).to.eql('RETAIL'); pm.expect(body.userStatus).to.eql('registered'); });",
            ...(ssn.length >= 4
              ? [
                  `pm.test('only the last four SSN digits come back', () => { pm.expect(body.ssnLast4).to.eql('${ssn.slice(-4)}'); pm.expect(pm.response.text().replace(/\\D/g, '')).not.to.include('${ssn}'); });`,
                ]
              : []),
            "pm.collectionVariables.set('customerId', body.customerId);",
          ],
        },
        {
          prerequest: [
            "pm.collectionVariables.set('loginId', 'pm' + Date.now().toString(36) + Math.floor(Math.random() * 1e4));",
            "if (!pm.collectionVariables.get('acceptedDisclosures')) pm.collectionVariables.set('acceptedDisclosures', '[]');",
          ],
          headers: { 'Idempotency-Key': '{{$guid}}' },
          body: json(body),
        },
      ),
      request(
        'The same loginId again: 409 CUS_LOGIN_ID_TAKEN',
        'POST',
        'customer',
        '/customers/v2/registrations',
        { status: 409, code: documentedCode(registration, 409, 'CUS_LOGIN_ID_TAKEN') },
        { body: json(body) },
      ),
      request(
        'Customer login (password grant)',
        'POST',
        'auth',
        TOKEN,
        {
          status: 200,
          checks: [
            'const body = pm.response.json();',
            "pm.test('access and refresh tokens, customer scopes only', () => { pm.expect(body.token_type).to.eql('Bearer'); pm.expect(body.refresh_token).to.be.a('string'); pm.expect(body.refresh_token_expires_in).to.be.above(0); pm.expect(body.scope.split(' ')).to.have.members(['profile:read', 'profile:write']); });",
            "pm.collectionVariables.set('customerToken', body.access_token);",
            "pm.collectionVariables.set('refreshToken', body.refresh_token);",
          ],
        },
        {
          auth: basicAuth(),
          body: form({
            grant_type: 'password',
            username: '{{loginId}}',
            password: '{{customerPassword}}',
            scope: 'profile:read profile:write',
          }),
        },
      ),
      request(
        'Wrong password: 400 invalid_grant',
        'POST',
        'auth',
        TOKEN,
        { status: 400, code: documentedCode(token, 400, 'invalid_grant') },
        {
          auth: basicAuth(),
          body: form({
            grant_type: 'password',
            username: '{{loginId}}',
            password: 'not the password at all',
          }),
        },
      ),
      request(
        'My profile',
        'GET',
        'customer',
        '/customers/v2/customers/me',
        {
          status: 200,
          checks: [
            'const body = pm.response.json();',
            "pm.test('the registered customer', () => { pm.expect(body.customerId).to.eql(pm.collectionVariables.get('customerId')); pm.expect(body.loginId).to.eql(pm.collectionVariables.get('loginId')); pm.expect(body).not.to.have.property('ssn'); });",
            "pm.test('with an ETag', () => pm.expect(pm.response.headers.get('ETag')).to.be.a('string'));",
            "pm.collectionVariables.set('profileEtag', pm.response.headers.get('ETag'));",
          ],
        },
        { auth: CUSTOMER },
      ),
      request(
        'Update my contact details (merge patch)',
        'PATCH',
        'customer',
        '/customers/v2/customers/me',
        {
          status: 200,
          checks: [
            `pm.test('the new e-mail, a new ETag', () => { pm.expect(pm.response.json().emailAddress).to.eql('${email}'); pm.expect(pm.response.headers.get('ETag')).not.to.eql(pm.collectionVariables.get('profileEtag')); });`,
          ],
        },
        {
          auth: CUSTOMER,
          headers: { 'If-Match': '{{profileEtag}}' },
          body: json({ emailAddress: email }, 'application/merge-patch+json'),
        },
      ),
      request(
        'Refresh the customer token',
        'POST',
        'auth',
        TOKEN,
        {
          status: 200,
          checks: [
            'const body = pm.response.json();',
            "pm.test('a new access token and a rotated refresh token', () => { pm.expect(body.access_token).to.be.a('string'); pm.expect(body.refresh_token).not.to.eql(pm.collectionVariables.get('refreshToken')); });",
            "pm.collectionVariables.set('customerToken', body.access_token);",
            "pm.collectionVariables.set('refreshToken', body.refresh_token);",
          ],
        },
        {
          auth: basicAuth(),
          body: form({ grant_type: 'refresh_token', refresh_token: '{{refreshToken}}' }),
        },
      ),
      request(
        "The customer's banking activity",
        'POST',
        'activity',
        SEARCH,
        {
          status: 200,
          checks: [
            'const body = pm.response.json();',
            "pm.test('this customer only, registration and login included', () => { pm.expect(body.count).to.be.above(0); body.bankingActivities.forEach((e) => { pm.expect(e.customerId).to.eql(pm.collectionVariables.get('customerId')); pm.expect(e.loginId).to.eql(pm.collectionVariables.get('loginId')); }); pm.expect(body.bankingActivities.map((e) => e.eventId)).to.include('loginSuccess'); });",
          ],
        },
        {
          description:
            'The pre-request script waits (at most 10 s) until the events of the registration and login have arrived.',
          prerequest: [
            "pm.collectionVariables.set('customerFrom', new Date(Date.now() - 3600000).toISOString());",
            "pm.collectionVariables.set('customerTo', new Date(Date.now() + 60000).toISOString());",
            'const deadline = Date.now() + 10000;',
            'const poll = () => pm.sendRequest({',
            `  url: pm.variables.replaceIn('{{activityUrl}}${SEARCH}'),`,
            "  method: 'POST',",
            "  header: { 'Content-Type': 'application/json', Authorization: 'Bearer ' + pm.collectionVariables.get('accessToken') },",
            "  body: { mode: 'raw', raw: pm.variables.replaceIn(pm.request.body.raw) },",
            '}, (err, res) => {',
            "  const seen = !err && res.code === 200 && res.json().bankingActivities.some((e) => e.eventId === 'loginSuccess');",
            '  if (!seen && Date.now() < deadline) setTimeout(poll, 250);',
            '});',
            'poll();',
          ],
          body: json({
            startTime: '{{customerFrom}}',
            endTime: '{{customerTo}}',
            userIdType: 'customerId',
            userId: '{{customerId}}',
          }),
        },
      ),
    ],
  };
}

function searchExamples(docs: Docs): Example[] {
  return examples(docs.activity, operation(docs.activity, 'POST', SEARCH));
}

function shapesWorkflow(docs: Docs): PostmanItem {
  const search = operation(docs.activity, 'POST', SEARCH);
  const all = searchExamples(docs);
  const exampleFor = (shape: Shape) =>
    all.find((e) => {
      const s = shapeOf(e.value);
      return s.user === shape.user && s.events === shape.events;
    }) ?? all[0]!;
  const items = SHAPES.map(({ name, shape }, i) => {
    const example = exampleFor(shape);
    const checks = matchesShape(shape);
    if (i === 0)
      checks.push(
        'const sample = body.bankingActivities.find((e) => e.loginId);',
        "pm.test('a user to follow in the next shapes', () => pm.expect(sample).to.be.an('object'));",
        "pm.collectionVariables.set('sampleLoginId', sample.loginId);",
        "pm.collectionVariables.set('sampleEventId', sample.eventId);",
        "pm.test('a next page', () => pm.expect(body.nextPageToken).to.be.a('string'));",
        "pm.collectionVariables.set('nextPageToken', body.nextPageToken);",
        "pm.collectionVariables.set('firstPageGuids', JSON.stringify(body.bankingActivities.map((e) => e.guid)));",
      );
    return request(
      `${i + 1}. ${name}`,
      'POST',
      'activity',
      SEARCH,
      { status: 200, checks },
      {
        description: `From the document's example "${example.name}"${example.summary ? ` (${example.summary})` : ''}, on the sandbox's data.`,
        ...(i === 0 ? { prerequest: WINDOW } : {}),
        body: json(onSandbox(example.value, shape)),
      },
    );
  });
  const first = onSandbox(exampleFor(SHAPES[0]!.shape).value, SHAPES[0]!.shape);
  return {
    name: WORKFLOWS.shapes,
    description:
      'The six shapes of a search (one user or the whole FI, over every, several or one event type) on the sandbox ' +
      "FI's seeded activity of the last 90 days; the first finds a user whom the one-user shapes follow. Then the next " +
      'page of the first search, and two refused searches.',
    item: [
      ...items,
      request(
        'Next page of the first search',
        'POST',
        'activity',
        SEARCH,
        {
          status: 200,
          checks: [
            'const body = pm.response.json();',
            "pm.test('other events than the first page', () => { const first = JSON.parse(pm.collectionVariables.get('firstPageGuids')); pm.expect(body.count).to.be.above(0); body.bankingActivities.forEach((e) => pm.expect(first).not.to.include(e.guid)); });",
          ],
        },
        { body: json({ ...first, nextPageToken: '{{nextPageToken}}' }) },
      ),
      request(
        'Start not before end: 400 BAS_10001',
        'POST',
        'activity',
        SEARCH,
        {
          status: 400,
          code: documentedCode(search, 400, 'BAS_10001'),
          checks: [
            "pm.test('with the Candescent errorCode too', () => pm.expect(pm.response.json().errorCode).to.eql('BAS_10001'));",
          ],
        },
        { body: json({ startTime: '{{windowEnd}}', endTime: '{{windowStart}}' }) },
      ),
      request(
        'Unknown userType: 400 BAS_10009',
        'POST',
        'activity',
        SEARCH,
        { status: 400, code: documentedCode(search, 400, 'BAS_10009') },
        {
          body: json({
            startTime: '{{windowStart}}',
            endTime: '{{windowEnd}}',
            userType: 'corporate',
          }),
        },
      ),
    ],
  };
}

function exportWorkflow(docs: Docs): PostmanItem {
  const op = operation(docs.activity, 'POST', `${SEARCH}/export`);
  const all = examples(docs.activity, op);
  const userShape: Shape = { user: true, events: 'all' };
  const fiShape: Shape = { user: false, events: 'one' };
  const user = onSandbox(all[0]!.value, userShape);
  const fi = onSandbox(all[0]!.value, fiShape);
  delete user.pageSize;
  delete fi.pageSize;
  return {
    name: WORKFLOWS.export,
    description:
      'Every match of a search streamed, no page cap: NDJSON (one event per line, as in search) or CSV. The first ' +
      'request finds a user to export.',
    item: [
      request(
        'Find a user to export',
        'POST',
        'activity',
        SEARCH,
        {
          status: 200,
          checks: [
            'const sample = pm.response.json().bankingActivities.find((e) => e.loginId);',
            "pm.test('a user', () => pm.expect(sample.loginId).to.be.a('string'));",
            "pm.collectionVariables.set('sampleLoginId', sample.loginId);",
          ],
        },
        {
          prerequest: WINDOW,
          body: json({ startTime: '{{windowStart}}', endTime: '{{windowEnd}}', pageSize: 1 }),
        },
      ),
      request(
        "One user's activity as NDJSON",
        'POST',
        'activity',
        `${SEARCH}/export`,
        {
          status: 200,
          checks: [
            "pm.test('NDJSON', () => pm.expect(pm.response.headers.get('Content-Type')).to.include('application/x-ndjson'));",
            "const lines = pm.response.text().split('\\n').filter((l) => l.length).map((l) => JSON.parse(l));",
            "pm.test('every event of that user, oldest first', () => { pm.expect(lines.length).to.be.above(0); lines.forEach((e, i) => { pm.expect(e.loginId).to.eql(pm.collectionVariables.get('sampleLoginId')); if (i) pm.expect(Date.parse(e.timeStamp)).to.be.at.least(Date.parse(lines[i - 1].timeStamp)); }); });",
          ],
        },
        { headers: { Accept: 'application/x-ndjson' }, body: json(user) },
      ),
      request(
        'One event type of the whole FI as CSV',
        'POST',
        'activity',
        `${SEARCH}/export`,
        {
          status: 200,
          checks: [
            "pm.test('CSV', () => pm.expect(pm.response.headers.get('Content-Type')).to.include('text/csv'));",
            'const rows = pm.response.text().trim().split(/\\r?\\n/);',
            "pm.test('a header row and the events, all of that type', () => { pm.expect(rows[0]).to.include('eventId'); pm.expect(rows.length).to.be.above(1); const col = rows[0].split(',').indexOf('eventId'); const asked = JSON.parse(pm.request.body.raw).eventIds[0]; rows.slice(1).forEach((r) => pm.expect(r.split(',')[col]).to.eql(asked)); });",
          ],
        },
        { headers: { Accept: 'text/csv' }, body: json(fi) },
      ),
    ],
  };
}

function feedWorkflow(docs: Docs): PostmanItem {
  const op = operation(docs.activity, 'POST', `${SEARCH}/feed`);
  const base = clone(examples(docs.activity, op)[0]?.value ?? {});
  delete base.cursor;
  return {
    name: WORKFLOWS.feed,
    description:
      'Events in commit order with a resumable cursor: read from the oldest retained event, then pass the cursor back ' +
      'to continue right after it; nothing is skipped or seen twice.',
    item: [
      request(
        'Feed from the earliest event',
        'POST',
        'activity',
        `${SEARCH}/feed`,
        {
          status: 200,
          checks: [
            'const body = pm.response.json();',
            "pm.test('a full page, more waiting, a cursor', () => { pm.expect(body.count).to.eql(5); pm.expect(body.bankingActivities).to.have.length(5); pm.expect(body.hasMore).to.eql(true); pm.expect(body.cursor).to.be.a('string'); });",
            "pm.collectionVariables.set('feedCursor', body.cursor);",
            "pm.collectionVariables.set('feedGuids', JSON.stringify(body.bankingActivities.map((e) => e.guid)));",
          ],
        },
        { body: json({ ...base, from: 'earliest', limit: 5, eventIds: undefined }) },
      ),
      request(
        'Continue after the cursor',
        'POST',
        'activity',
        `${SEARCH}/feed`,
        {
          status: 200,
          checks: [
            'const body = pm.response.json();',
            "pm.test('the next events, none seen before, and a new cursor', () => { const seen = JSON.parse(pm.collectionVariables.get('feedGuids')); pm.expect(body.count).to.eql(5); body.bankingActivities.forEach((e) => pm.expect(seen).not.to.include(e.guid)); pm.expect(body.cursor).not.to.eql(pm.collectionVariables.get('feedCursor')); });",
            "pm.collectionVariables.set('feedCursor', pm.response.json().cursor);",
          ],
        },
        { body: json({ cursor: '{{feedCursor}}', limit: 5 }) },
      ),
      request(
        'A forged cursor: 400 BAS_10005',
        'POST',
        'activity',
        `${SEARCH}/feed`,
        { status: 400, code: 'BAS_10005' },
        { body: json({ cursor: 'not-a-cursor', limit: 5 }) },
      ),
    ],
  };
}

// ---------------------------------------------------------------------------------------------
// Reference folders: every operation, with the documents' examples

interface ReferenceSpec {
  expect?: Expect;
  auth?: Json;
  query?: Record<string, string>;
  headers?: Record<string, string>;
  /** The example body on the sandbox (defaults to the example as it is). */
  body?: (example: Json) => Json;
  /** An operation to show as its documented refusal rather than run (SSE, internal routes). */
  name?: string;
  description?: string;
  prerequest?: string[];
}

const jsonOk = (field: string, type = 'string') =>
  `pm.test('${field}', () => pm.expect(pm.response.json().${field}).to.be.a('${type}'));`;

/** What each operation needs to succeed against the sandbox, and what it is checked for. */
function referenceSpecs(): Record<string, ReferenceSpec> {
  return {
    'GET /.well-known/oauth-authorization-server': {
      expect: {
        status: 200,
        checks: [
          "pm.test('issuer and endpoints', () => { const b = pm.response.json(); pm.expect(b.token_endpoint).to.match(/\\/oauth2\\/v1\\/token$/); pm.expect(b.jwks_uri).to.be.a('string'); pm.expect(b.grant_types_supported).to.include('client_credentials'); });",
        ],
      },
      auth: noauth,
    },
    'GET /oauth2/v1/keys': {
      expect: {
        status: 200,
        checks: [
          "pm.test('ES256 keys', () => pm.response.json().keys.forEach((k) => { pm.expect(k.kty).to.eql('EC'); pm.expect(k.kid).to.be.a('string'); }));",
        ],
      },
      auth: noauth,
    },
    'GET /.well-known/jwks.json': {
      expect: {
        status: 200,
        checks: ["pm.test('keys', () => pm.expect(pm.response.json().keys).to.not.be.empty);"],
      },
      auth: noauth,
    },
    'POST /oauth2/v1/token': {
      expect: {
        status: 200,
        checks: [
          jsonOk('access_token'),
          "pm.collectionVariables.set('revocableToken', pm.response.json().access_token);",
        ],
      },
      auth: basicAuth(),
      body: (e) =>
        Object.fromEntries(
          Object.entries({ ...e, grant_type: 'client_credentials' }).filter(
            ([k]) =>
              ![
                'client_id',
                'client_secret',
                'username',
                'password',
                'refresh_token',
                'scopes',
              ].includes(k),
          ),
        ) as Json,
    },
    'POST /oauth2/v1/introspect': {
      expect: {
        status: 200,
        checks: ["pm.test('active', () => pm.expect(pm.response.json().active).to.eql(true));"],
      },
      auth: basicAuth(),
      body: () => ({ token: '{{revocableToken}}', token_type_hint: 'access_token' }),
    },
    'POST /oauth2/v1/revoke': {
      expect: { status: 200 },
      auth: basicAuth(),
      body: () => ({ token: '{{revocableToken}}', token_type_hint: 'access_token' }),
    },
    'DELETE /oauth2/v1/revoke': {
      expect: { status: 200 },
      auth: basicAuth(),
      query: { token: '{{revocableToken}}', token_type_hint: 'access_token' },
    },
    'GET /oauth2/v1/revocations': {
      name: 'Revocation feed: an FI token gets 403 (internal:revocations:read only)',
      description:
        "The revocation feed is for the platform's resource servers (docs/internal-apis.md); an FI app's token is refused.",
      expect: {
        status: 403,
        checks: [
          "pm.test('insufficient_scope', () => pm.expect(pm.response.headers.get('WWW-Authenticate')).to.include('insufficient_scope'));",
        ],
      },
      query: { since: '0' },
    },
    'POST /admin/v1/clients': {
      expect: {
        status: 201,
        checks: [
          'const body = pm.response.json();',
          "pm.test('the client and its secret, shown once', () => { pm.expect(body.clientId).to.be.a('string'); pm.expect(body.clientSecret).to.be.a('string'); });",
          // Later admin requests (the try-it token among them) need a client_credentials app.
          "if (body.grantTypes.includes('client_credentials')) pm.collectionVariables.set('newClientId', body.clientId);",
        ],
      },
      auth: ADMIN,
      body: (e) => ({ ...e, institutionId: SANDBOX.institutionId, name: 'Postman {{$timestamp}}' }),
    },
    'GET /admin/v1/clients': {
      expect: {
        status: 200,
        checks: [
          "pm.test('the FI clients only', () => pm.response.json().clients.forEach((c) => pm.expect(c.institutionId).to.eql('sandbox-fi')));",
        ],
      },
      auth: ADMIN,
      query: { institutionId: SANDBOX.institutionId, limit: '10' },
    },
    'GET /admin/v1/clients/{clientId}': {
      expect: {
        status: 200,
        checks: [
          "pm.test('that client, without its secret', () => { pm.expect(pm.response.json().clientId).to.eql(pm.collectionVariables.get('newClientId')); pm.expect(pm.response.json()).not.to.have.property('clientSecret'); });",
        ],
      },
      auth: ADMIN,
    },
    'POST /admin/v1/clients/{clientId}/secret': {
      expect: { status: 200, checks: [jsonOk('clientSecret')] },
      auth: ADMIN,
    },
    'POST /admin/v1/clients/{clientId}/tokens': {
      expect: { status: 200, checks: [jsonOk('access_token')] },
      auth: ADMIN,
    },
    'POST /admin/v1/clients/{clientId}/disable': { expect: { status: 200 }, auth: ADMIN },
    'POST /admin/v1/keys/rotate': {
      expect: { status: 200, checks: [jsonOk('kid')] },
      auth: ADMIN,
    },
    'GET /health/live': {
      expect: {
        status: 200,
        checks: ["pm.test('ok', () => pm.expect(pm.response.json().status).to.eql('ok'));"],
      },
      auth: noauth,
    },
    'GET /health/ready': { expect: { status: 200 }, auth: noauth },
    'GET /customers/v2/disclosures': { expect: { status: 200 } },
    'POST /customers/v2/disclosures': {
      expect: {
        status: 201,
        checks: [
          'const body = pm.response.json();',
          "pm.test('published', () => pm.expect(body.disclosureId).to.eql(pm.collectionVariables.get('publishedDisclosureId')));",
          "pm.collectionVariables.set('publishedDisclosureVersion', body.version);",
        ],
      },
      prerequest: [
        "pm.collectionVariables.set('publishedDisclosureId', 'postman-' + Date.now().toString(36));",
      ],
      // A new, optional disclosure: publishing a required one would move every customer to
      // needsToAcceptDisclosure.
      body: (e) => ({
        ...e,
        disclosureId: '{{publishedDisclosureId}}',
        required: false,
        content: typeof e.content === 'string' ? e.content : 'Terms published from Postman.',
      }),
    },
    'GET /customers/v2/disclosures/{disclosureId}/versions/{version}': {
      expect: { status: 200, checks: [jsonOk('content')] },
    },
    'POST /customers/v2/customers/me/disclosure-acceptances': {
      expect: { status: 201 },
      auth: CUSTOMER,
      body: () => ({
        disclosureId: '{{publishedDisclosureId}}',
        version: '{{publishedDisclosureVersion}}',
      }),
    },
    'POST /customers/v2/customers/{customerId}/disclosure-acceptances': {
      expect: { status: 200 },
      body: () => ({
        disclosureId: '{{publishedDisclosureId}}',
        version: '{{publishedDisclosureVersion}}',
      }),
    },
    'GET /customers/v2/customers/me': { expect: { status: 200 }, auth: CUSTOMER },
    'PATCH /customers/v2/customers/me': { expect: { status: 200 }, auth: CUSTOMER },
    'GET /customers/v2/customers/{customerId}': {
      expect: {
        status: 200,
        checks: [
          "pm.test('that customer', () => pm.expect(pm.response.json().customerId).to.eql(pm.collectionVariables.get('customerId')));",
        ],
      },
    },
    'PATCH /customers/v2/customers/{customerId}': { expect: { status: 200 } },
    'POST /customers/v2/customers/{customerId}/unlock': { expect: { status: 200 } },
    'POST /customers/v2/registrations': {
      expect: {
        status: 201,
        checks: [jsonOk('customerId')],
      },
      prerequest: [
        "pm.collectionVariables.set('loginId', 'pm' + Date.now().toString(36) + Math.floor(Math.random() * 1e4));",
        "if (!pm.collectionVariables.get('acceptedDisclosures')) pm.collectionVariables.set('acceptedDisclosures', '[]');",
      ],
      body: (e) => ({
        ...e,
        loginId: '{{loginId}}',
        password: '{{customerPassword}}',
        acceptedDisclosures: '{{json:acceptedDisclosures}}',
      }),
    },
    [`POST ${SEARCH}`]: {
      expect: { status: 200, checks: [jsonOk('bankingActivities', 'array')] },
      prerequest: WINDOW,
      body: (e) => onSandbox(e, shapeOf(e)),
    },
    [`POST ${SEARCH}/batch`]: {
      expect: {
        status: 202,
        checks: [
          "pm.test('accepted', () => pm.expect(pm.response.json().accepted).to.be.above(0));",
        ],
      },
      prerequest: ["pm.collectionVariables.set('now', new Date().toISOString());"],
      body: (e) => ({
        ...e,
        events: ((e.events as Json[] | undefined) ?? []).map((ev) => ({
          ...ev,
          guid: '{{$guid}}',
          timeStamp: '{{now}}',
        })),
      }),
    },
    [`POST ${SEARCH}/feed`]: {
      expect: { status: 200, checks: [jsonOk('cursor')] },
      body: (e) => {
        const b = clone(e);
        delete b.cursor;
        return { ...b, limit: 5 };
      },
    },
    [`GET ${SEARCH}/stream`]: {
      name: 'Stream (Server-Sent Events): without a token, 401',
      description:
        'A stream that never ends: open it with `curl -N -H "Authorization: Bearer $TOKEN" .../stream?from=earliest` ' +
        'or an EventSource. Postman waits for a whole answer, so here it is shown refusing a request without a token.',
      expect: {
        status: 401,
        checks: [
          "pm.test('invalid_token', () => pm.expect(pm.response.headers.get('WWW-Authenticate')).to.match(/^Bearer/));",
        ],
      },
      auth: noauth,
      query: { from: 'earliest' },
    },
    [`POST ${SEARCH}/export`]: {
      expect: { status: 200 },
      prerequest: WINDOW,
      headers: { Accept: 'application/x-ndjson' },
      body: (e) => {
        const b = onSandbox(e, { ...shapeOf(e), user: false });
        delete b.pageSize;
        return b;
      },
    },
    [`POST ${SEARCH}/subscriptions`]: {
      expect: {
        status: 201,
        checks: [
          'const body = pm.response.json();',
          "pm.test('active, with an id', () => { pm.expect(body.status).to.eql('active'); pm.expect(body.subscriptionId).to.be.a('string'); });",
          "pm.collectionVariables.set('subscriptionId', body.subscriptionId);",
        ],
      },
      body: (e) =>
        Object.keys(e).length > 1
          ? { ...e, destination: { type: 'pull' } }
          : { name: 'Postman hourly pull', cadence: 'hourly', destination: { type: 'pull' } },
    },
    [`PATCH ${SEARCH}/subscriptions/{id}`]: {
      expect: {
        status: 200,
        checks: ["pm.test('paused', () => pm.expect(pm.response.json().status).to.eql('paused'));"],
      },
      body: (e) => (Object.keys(e).length > 0 ? e : { status: 'paused' }),
    },
    [`POST ${SEARCH}/subscriptions/{id}/secret`]: {
      name: 'Rotate the webhook secret: a pull subscription has none, 409',
      expect: {
        status: 409,
        checks: [
          "pm.test('not a webhook', () => pm.expect(pm.response.json().type).to.include('subscription-not-webhook'));",
        ],
      },
    },
    [`POST ${SEARCH}/subscriptions/{id}/test`]: {
      name: 'Test delivery: only to a webhook, 409 for a pull subscription',
      expect: {
        status: 409,
        checks: [
          "pm.test('not a webhook', () => pm.expect(pm.response.json().type).to.include('subscription-not-webhook'));",
        ],
      },
    },
    [`POST ${SEARCH}/subscriptions/{id}/replay`]: {
      expect: { status: 202 },
      prerequest: [
        "pm.collectionVariables.set('replayStart', new Date(Date.now() - 3600000).toISOString());",
        "pm.collectionVariables.set('replayEnd', new Date().toISOString());",
      ],
      body: (e) => ({ ...e, startTime: '{{replayStart}}', endTime: '{{replayEnd}}' }),
    },
    [`GET ${SEARCH}/subscriptions/{subscriptionId}/files/{fileId}`]: {
      name: 'One file: an unknown file id, 404',
      expect: { status: 404 },
    },
    [`GET ${SEARCH}/delivery-files/{fileId}`]: {
      name: 'A file through a signed link: without a valid signature, 403',
      expect: { status: 403 },
    },
    [`GET ${SEARCH}/event-types`]: {
      expect: {
        status: 200,
        checks: [
          "pm.test('the catalogue', () => pm.expect(pm.response.json().eventTypes).to.not.be.empty);",
        ],
      },
    },
  };
}

/** Key rotation and deletions run after everything else of their folder. */
const isLast = (item: PostmanItem) =>
  item.name.includes('keys/rotate') || item.request?.method === 'DELETE';

function reference(docs: Docs, service: Service): PostmanItem {
  const doc = docs[service];
  const specs = referenceSpecs();
  const byTag = new Map<string, PostmanItem[]>();
  for (const [path, methods] of Object.entries(doc.paths)) {
    for (const [method, raw] of Object.entries(methods)) {
      const op = raw as Operation;
      const key = `${method.toUpperCase()} ${path}`;
      const spec = specs[key] ?? {};
      // The token endpoints' own client authentication is in `spec`; any other secured
      // operation takes a bearer token, whatever the documents name its schemes.
      const secured = (op.security ?? (doc.security as Operation['security']) ?? []).some(
        (s) => Object.keys(s).length > 0,
      );
      const auth = spec.auth ?? (secured ? APP : noauth);
      // An operation documented without a body that needs one (spec.body) gets a JSON one.
      const contentType =
        Object.keys(op.requestBody?.content ?? {})[0] ??
        (spec.body ? 'application/json' : undefined);
      const bodies: (Example | undefined)[] = !contentType
        ? []
        : op.requestBody
          ? examples(doc, op, contentType)
          : [{ name: 'example', value: {} }];
      const base = op.summary ?? op.description?.split('. ')[0] ?? key;
      const items = (bodies.length ? bodies : [undefined]).map((example) => {
        const value = example && (spec.body ? spec.body(example.value) : example.value);
        const name =
          spec.name ??
          (bodies.length > 1 ? `${base}: ${example!.summary ?? example!.name}` : `${base}`);
        const body =
          value === undefined
            ? undefined
            : contentType === 'application/x-www-form-urlencoded'
              ? form(Object.fromEntries(Object.entries(value).map(([k, v]) => [k, String(v)])))
              : json(value, contentType);
        return request(
          `${method.toUpperCase()} ${path.replace(/^\/(data-apis|customers)\/v\d\//, '')}${name === key ? '' : ` · ${name}`}`,
          method.toUpperCase(),
          service,
          path,
          spec.expect ?? { status: successStatus(op) },
          {
            auth,
            body,
            query: spec.query,
            headers: spec.headers,
            prerequest: spec.prerequest,
            description: spec.description ?? op.description,
          },
        );
      });
      const tag = op.tags?.[0] ?? 'other';
      byTag.set(tag, [...(byTag.get(tag) ?? []), ...items]);
    }
  }
  // Admin last and key rotation at the very end: nothing after it depends on the old key.
  const tags = [...byTag.keys()].sort((a, b) => Number(a === 'admin') - Number(b === 'admin'));
  return {
    name: REFERENCE_FOLDERS[service],
    description: `${doc.info.title}: every operation of its OpenAPI document (/docs-json), with its examples. Run the workflow folders first: these requests use the customer, token and ids they captured.`,
    item: tags.map((tag) => ({
      name: tag,
      ...(tag === 'admin'
        ? {
            description:
              'Needs the platform admin client: set adminClientSecret in the environment (npm start keeps it in ' +
              '.data/secrets.json, or ADMIN_CLIENT_SECRET).',
            event: [
              {
                listen: 'prerequest',
                script: script(
                  ensureToken('adminToken', '{{adminClientId}}', '{{adminClientSecret}}'),
                ),
              },
            ],
          }
        : {}),
      item: byTag.get(tag)!.sort((a, b) => Number(isLast(a)) - Number(isLast(b))),
    })),
  };
}

export function buildPostman(docs: Docs): { collection: Json; environment: Json } {
  const collection = {
    info: {
      name: 'Digital banking platform',
      description:
        'auth-server, customer-service (Customer v2) and activity-service (Banking Activity), generated from their ' +
        'OpenAPI documents and examples by `npm run postman`. Select the "Digital banking (local)" environment ' +
        '(it matches `npm start`) and run the collection, or a workflow folder: every request gets an app token by ' +
        'itself and tests what it answers.',
      schema: 'https://schema.getpostman.com/json/collection/v2.1.0/collection.json',
    },
    auth: bearer('{{accessToken}}'),
    event: [
      {
        listen: 'prerequest',
        script: script(ensureToken('accessToken', '{{clientId}}', '{{clientSecret}}')),
      },
      { listen: 'test', script: script(COMMON_CHECKS) },
    ],
    variable: [
      { key: 'accessToken', value: '' },
      { key: 'accessTokenExpiresAt', value: '0' },
    ],
    item: [
      clientCredentials(docs),
      customerWorkflow(docs),
      shapesWorkflow(docs),
      exportWorkflow(docs),
      feedWorkflow(docs),
      reference(docs, 'auth'),
      reference(docs, 'customer'),
      reference(docs, 'activity'),
    ],
  };
  // The auth-server's reference rotates the signing key and disables a client: it runs last.
  collection.item.push(collection.item.splice(5, 1)[0]!);
  const environment = {
    name: 'Digital banking (local)',
    values: [
      { key: 'authUrl', value: LOCAL_URLS.auth, enabled: true },
      { key: 'customerUrl', value: LOCAL_URLS.customer, enabled: true },
      { key: 'activityUrl', value: LOCAL_URLS.activity, enabled: true },
      { key: 'clientId', value: SANDBOX.clientId, enabled: true },
      { key: 'clientSecret', value: SANDBOX.clientSecret, type: 'secret', enabled: true },
      {
        key: 'customerPassword',
        value: 'violet tractor sings at dawn',
        type: 'secret',
        enabled: true,
      },
      { key: 'adminClientId', value: 'platform-admin', enabled: true },
      // npm start generates it into .data/secrets.json (or takes ADMIN_CLIENT_SECRET): paste it.
      { key: 'adminClientSecret', value: '', type: 'secret', enabled: true },
    ],
    _postman_variable_scope: 'environment',
  };
  return { collection, environment };
}

async function main(): Promise<void> {
  const db = process.env.DATABASE_URL
    ? undefined
    : await startEmbeddedPostgres({
        dir: mkdtempSync(join(tmpdir(), 'postman-')),
        persistent: false,
      });
  const platform = await startLocalPlatform(process.env.DATABASE_URL ?? db!.url);
  try {
    const { collection, environment } = buildPostman(await openApiDocuments(platform));
    mkdirSync(POSTMAN_DIR, { recursive: true });
    writeFileSync(join(POSTMAN_DIR, COLLECTION_FILE), `${JSON.stringify(collection, null, 2)}\n`);
    writeFileSync(join(POSTMAN_DIR, ENVIRONMENT_FILE), `${JSON.stringify(environment, null, 2)}\n`);
    console.log(`wrote ${join(POSTMAN_DIR, COLLECTION_FILE)} and ${ENVIRONMENT_FILE}`);
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

/**
 * `npm run postman`: the Postman collection and local environment under docs/postman, generated
 * from the three services' OpenAPI documents (openapi-to-postmanv2), with a walkthrough folder
 * first and the token flow built in: the collection fetches a client_credentials token for the
 * sandbox app whenever it has none (or it expired) and sends it as the bearer token.
 */
import { existsSync, mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { startEmbeddedPostgres } from './embedded-postgres';
import { openApiDocuments, startLocalPlatform, type OpenApiDocument } from './local-platform';
import { LOCAL_URLS, SANDBOX } from './sandbox';

type Json = Record<string, unknown>;
interface PostmanItem {
  name: string;
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

// Run from source (tests) or from dist/scripts (npm run postman).
const ROOT = existsSync(resolve(__dirname, '../package.json'))
  ? resolve(__dirname, '..')
  : resolve(__dirname, '../..');
export const POSTMAN_DIR = join(ROOT, 'docs/postman');
export const COLLECTION_FILE = 'digital-banking.postman_collection.json';
export const ENVIRONMENT_FILE = 'local.postman_environment.json';

const SERVICES = [
  { key: 'auth', variable: 'authUrl', folder: 'auth-server' },
  { key: 'customer', variable: 'customerUrl', folder: 'customer-service' },
  { key: 'activity', variable: 'activityUrl', folder: 'activity-service' },
] as const;

/** Routes that authenticate the client itself (HTTP Basic) rather than with a bearer token. */
const CLIENT_AUTH_PATHS = ['/oauth2/v1/token', '/oauth2/v1/introspect', '/oauth2/v1/revoke'];

const script = (lines: string[]) => ({ type: 'text/javascript', exec: lines });
const basicAuth = {
  type: 'basic',
  basic: [
    { key: 'username', value: '{{clientId}}', type: 'string' },
    { key: 'password', value: '{{clientSecret}}', type: 'string' },
  ],
};
const bearer = (token: string) => ({
  type: 'bearer',
  bearer: [{ key: 'token', value: token, type: 'string' }],
});

/** Before every request: a client_credentials token for the app, fetched when missing or expiring. */
const ENSURE_TOKEN = [
  "const expiresAt = Number(pm.collectionVariables.get('accessTokenExpiresAt') || 0);",
  "if (!pm.collectionVariables.get('accessToken') || Date.now() > expiresAt - 30000) {",
  '  pm.sendRequest({',
  "    url: pm.variables.replaceIn('{{authUrl}}/oauth2/v1/token'),",
  "    method: 'POST',",
  '    header: {',
  "      'Content-Type': 'application/x-www-form-urlencoded',",
  "      Authorization: 'Basic ' + btoa(pm.variables.get('clientId') + ':' + pm.variables.get('clientSecret')),",
  '    },',
  "    body: { mode: 'urlencoded', urlencoded: [{ key: 'grant_type', value: 'client_credentials' }] },",
  '  }, (err, res) => {',
  '    if (err || res.code !== 200) { console.error("token request failed", err || res.text()); return; }',
  '    const body = res.json();',
  "    pm.collectionVariables.set('accessToken', body.access_token);",
  "    pm.collectionVariables.set('accessTokenExpiresAt', String(Date.now() + body.expires_in * 1000));",
  '  });',
  '}',
];

/** After every request: what holds for any answer of this platform, whatever the input. */
const COMMON_CHECKS = [
  "pm.test('no server error', () => pm.expect(pm.response.code).to.be.below(500));",
  "pm.test('transactionId is echoed', () => pm.expect(pm.response.headers.get('transactionId')).to.match(/^[0-9a-f-]{36}$/));",
  'if (pm.response.code >= 400 && !pm.request.url.getPath().startsWith("/oauth2/")) {',
  "  pm.test('errors are problem+json', () => pm.expect(pm.response.headers.get('Content-Type')).to.include('application/problem+json'));",
  '}',
];

function request(
  name: string,
  method: string,
  url: string,
  opts: { auth?: Json; body?: Json; tests?: string[]; prerequest?: string[] } = {},
): PostmanItem {
  const [host, ...rest] = url.split('/');
  const [pathPart, query] = rest.join('/').split('?');
  return {
    name,
    event: [
      ...(opts.prerequest ? [{ listen: 'prerequest', script: script(opts.prerequest) }] : []),
      ...(opts.tests ? [{ listen: 'test', script: script(opts.tests) }] : []),
    ],
    request: {
      method,
      ...(opts.auth ? { auth: opts.auth } : {}),
      header:
        opts.body?.mode === 'raw'
          ? [{ key: 'Content-Type', value: String(opts.body.contentType ?? 'application/json') }]
          : [],
      ...(opts.body ? { body: { ...opts.body, contentType: undefined } } : {}),
      url: {
        raw: url,
        host: [host!],
        path: pathPart!.split('/'),
        ...(query
          ? {
              query: query
                .split('&')
                .map((kv) => ({ key: kv.split('=')[0], value: kv.split('=')[1] })),
            }
          : {}),
      },
    },
    response: [],
  };
}

const json = (value: unknown) => ({
  mode: 'raw',
  raw: JSON.stringify(value, null, 2),
  options: { raw: { language: 'json' } },
});

/** Get a token, register a customer, log in as that customer, read and update the profile, query its activity. */
function walkthrough(): PostmanItem {
  return {
    name: 'Walkthrough',
    description:
      'The five-minute tour of the README, runnable against `npm start` with the local environment.',
    item: [
      request('1. App token (client_credentials)', 'POST', '{{authUrl}}/oauth2/v1/token', {
        auth: basicAuth,
        body: {
          mode: 'urlencoded',
          urlencoded: [{ key: 'grant_type', value: 'client_credentials' }],
        },
        tests: [
          "pm.test('200 with a bearer token', () => { pm.response.to.have.status(200); pm.expect(pm.response.json().token_type).to.eql('Bearer'); });",
          "pm.collectionVariables.set('accessToken', pm.response.json().access_token);",
          "pm.collectionVariables.set('accessTokenExpiresAt', String(Date.now() + pm.response.json().expires_in * 1000));",
        ],
      }),
      request('2. Disclosures in force', 'GET', '{{customerUrl}}/customers/v2/disclosures', {
        tests: [
          "pm.test('200', () => pm.response.to.have.status(200));",
          'const body = pm.response.json();',
          'const list = Array.isArray(body) ? body : body.disclosures;',
          'const required = list.filter((d) => d.required).map((d) => ({ disclosureId: d.disclosureId, version: d.version }));',
          "pm.collectionVariables.set('acceptedDisclosures', JSON.stringify(required));",
        ],
      }),
      request('3. Register a customer', 'POST', '{{customerUrl}}/customers/v2/registrations', {
        prerequest: [
          "pm.collectionVariables.set('loginId', 'walk' + Date.now().toString(36));",
          "if (!pm.collectionVariables.get('acceptedDisclosures')) pm.collectionVariables.set('acceptedDisclosures', '[]');",
        ],
        body: {
          mode: 'raw',
          raw: [
            '{',
            '  "loginId": "{{loginId}}",',
            '  "password": "{{customerPassword}}",',
            '  "userType": "RETAIL",',
            '  "person": {',
            '    "firstName": "Ada",',
            '    "lastName": "Walker",',
            '    "birthDate": "1990-04-12",',
            '    "ssn": "536-22-4785",',
            '    "emailAddress": "ada.walker@example.com",',
            '    "phoneNumber": "(202) 555-0143",',
            '    "postalAddress": { "address1": "100 Main Street", "city": "Springfield", "state": "IL", "postalCode": "62701", "country": "US" }',
            '  },',
            '  "acceptedDisclosures": {{acceptedDisclosures}}',
            '}',
          ].join('\n'),
          options: { raw: { language: 'json' } },
        },
        tests: [
          "pm.test('201 Created', () => pm.response.to.have.status(201));",
          "pm.test('only the last four SSN digits come back', () => { pm.expect(pm.response.json().ssnLast4).to.eql('4785'); pm.expect(pm.response.text()).not.to.include('536224785'); });",
          "pm.collectionVariables.set('customerId', pm.response.json().customerId);",
        ],
      }),
      request('4. Customer login (password grant)', 'POST', '{{authUrl}}/oauth2/v1/token', {
        auth: basicAuth,
        body: {
          mode: 'urlencoded',
          urlencoded: [
            { key: 'grant_type', value: 'password' },
            { key: 'username', value: '{{loginId}}' },
            { key: 'password', value: '{{customerPassword}}' },
            { key: 'scope', value: 'profile:read profile:write' },
          ],
        },
        tests: [
          "pm.test('200 with access and refresh tokens', () => { pm.response.to.have.status(200); pm.expect(pm.response.json().refresh_token).to.be.a('string'); });",
          "pm.collectionVariables.set('customerToken', pm.response.json().access_token);",
        ],
      }),
      request('5. My profile', 'GET', '{{customerUrl}}/customers/v2/customers/me', {
        auth: bearer('{{customerToken}}'),
        tests: [
          "pm.test('200, the registered customer', () => { pm.response.to.have.status(200); pm.expect(pm.response.json().loginId).to.eql(pm.collectionVariables.get('loginId')); });",
          "pm.collectionVariables.set('profileEtag', pm.response.headers.get('ETag'));",
        ],
      }),
      request(
        '6. Update my e-mail (merge patch)',
        'PATCH',
        '{{customerUrl}}/customers/v2/customers/me',
        {
          auth: bearer('{{customerToken}}'),
          body: {
            ...json({ emailAddress: 'ada.w@example.com' }),
            contentType: 'application/merge-patch+json',
          },
          tests: [
            "pm.test('200 with the new e-mail', () => { pm.response.to.have.status(200); pm.expect(pm.response.json().emailAddress).to.eql('ada.w@example.com'); });",
          ],
        },
      ),
      request(
        "7. The customer's banking activity",
        'POST',
        '{{activityUrl}}/data-apis/v1/banking-activities',
        {
          prerequest: [
            "pm.collectionVariables.set('from', new Date(Date.now() - 3600000).toISOString());",
            "pm.collectionVariables.set('to', new Date(Date.now() + 60000).toISOString());",
          ],
          body: json({
            startTime: '{{from}}',
            endTime: '{{to}}',
            userIdType: 'customerId',
            userId: '{{customerId}}',
          }),
          tests: [
            "pm.test('200 with its events, or 204 while they are on their way', () => pm.expect(pm.response.code).to.be.oneOf([200, 204]));",
            'if (pm.response.code === 200) {',
            "  pm.test('only this customer', () => pm.response.json().bankingActivities.forEach((e) => pm.expect(e.customerId).to.eql(pm.collectionVariables.get('customerId'))));",
            '}',
          ],
        },
      ),
      request(
        '8. The event catalogue',
        'GET',
        '{{activityUrl}}/data-apis/v1/banking-activities/event-types',
        {
          tests: ["pm.test('200', () => pm.response.to.have.status(200));"],
        },
      ),
    ],
  };
}

function convert(doc: OpenApiDocument): Promise<{ item: PostmanItem[] }> {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const converter = require('openapi-to-postmanv2') as {
    convert(
      input: Json,
      options: Json,
      cb: (
        err: unknown,
        result: { result: boolean; reason?: string; output: { data: { item: PostmanItem[] } }[] },
      ) => void,
    ): void;
  };
  return new Promise((resolvePromise, reject) =>
    converter.convert(
      { type: 'json', data: doc },
      {
        folderStrategy: 'Tags',
        requestNameSource: 'Fallback',
        parametersResolution: 'Example',
        includeAuthInfoInExample: false,
      },
      (err, result) =>
        err || !result.result
          ? reject(err ?? new Error(result.reason))
          : resolvePromise(result.output[0]!.data),
    ),
  );
}

function leaves(items: PostmanItem[]): PostmanItem[] {
  return items.flatMap((i) => (i.item ? leaves(i.item) : [i]));
}

/** Points a converted request at its service variable and the right authentication. */
function adapt(item: PostmanItem, variable: string, doc: OpenApiDocument): void {
  const req = item.request!;
  const url = req.url;
  url.host = [`{{${variable}}}`];
  if (typeof url.raw === 'string') url.raw = url.raw.replace('{{baseUrl}}', `{{${variable}}}`);
  const path = `/${(url.path ?? []).join('/')}`;
  const template = path.replace(/:([A-Za-z]+)/g, '{$1}');
  const operation = doc.paths[template]?.[req.method.toLowerCase()];
  if (CLIENT_AUTH_PATHS.includes(path)) req.auth = basicAuth;
  else if (operation?.security?.some((s) => 'bearer' in s))
    delete req.auth; // inherits the collection's bearer token
  else req.auth = { type: 'noauth' };
  delete item.response;
  item.response = [];
}

export async function buildPostman(
  docs: Record<'auth' | 'customer' | 'activity', OpenApiDocument>,
): Promise<{ collection: Json; environment: Json }> {
  const folders: PostmanItem[] = [];
  for (const service of SERVICES) {
    const converted = await convert(docs[service.key]);
    for (const leaf of leaves(converted.item)) adapt(leaf, service.variable, docs[service.key]);
    folders.push({
      name: service.folder,
      description: docs[service.key].info.description,
      item: converted.item,
    });
  }
  const collection = {
    info: {
      name: 'Digital banking platform',
      description:
        'auth-server, customer-service (Customer v2) and activity-service (Banking Activity), generated from their OpenAPI ' +
        'documents by `npm run postman`. Select the "Digital banking (local)" environment; every request gets an app token ' +
        'by itself. Start with the Walkthrough folder.',
      schema: 'https://schema.getpostman.com/json/collection/v2.1.0/collection.json',
    },
    auth: bearer('{{accessToken}}'),
    event: [
      { listen: 'prerequest', script: script(ENSURE_TOKEN) },
      { listen: 'test', script: script(COMMON_CHECKS) },
    ],
    variable: [
      { key: 'accessToken', value: '' },
      { key: 'accessTokenExpiresAt', value: '0' },
    ],
    item: [walkthrough(), ...folders],
  };
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
    const { collection, environment } = await buildPostman(await openApiDocuments(platform));
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

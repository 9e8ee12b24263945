/**
 * The OpenAPI document of a service, finished and served: OAuth 2.0 security schemes a reader can
 * get a token with (client credentials, and the password grant where a route admits customers),
 * HTTP Basic for the OAuth endpoints, typed error responses (problem+json, RFC 6749 on OAuth),
 * servers, tag descriptions, `security: []` on public routes; examples whose times and unique
 * values are filled in when the document is served; Swagger UI ready to authorize in sandbox
 * mode; and, on the auth-server, one reference for the whole platform (/reference).
 */
import { createHash, randomBytes, randomUUID } from 'node:crypto';
import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import { SwaggerModule, type OpenAPIObject } from '@nestjs/swagger';
import { Transform } from 'class-transformer';
import type { FastifyRequest } from 'fastify';
import { CALLER_ERROR_CODES, type CallerErrorCodes } from '../auth/guards';
import { CUSTOMER_SCOPES, FI_SCOPES, INTERNAL_SCOPES, Scope } from '../auth/scopes';
import { loadEnv, type EnvSource } from '../config/env';
import { OAUTH_ERROR_SCHEMA, PROBLEM_CONTENT_TYPE, PROBLEM_SCHEMA } from '../errors/problem';
import { X_AUTH, X_OAUTH_ERRORS, X_PROBLEMS, type AuthDoc, type ErrorsDoc } from './openapi-meta';

/** Security scheme names. */
export const SECURITY = {
  /** OAuth 2.0 client credentials: an FI's (or the platform's) application. */
  app: 'app',
  /** OAuth 2.0 password grant: a customer, through the FI's own app. */
  customer: 'customer',
  /** HTTP Basic client authentication (client_secret_basic) on the OAuth endpoints. */
  client: 'client',
  /** A bearer token obtained elsewhere (curl, Postman), pasted as is. */
  bearer: 'bearer',
} as const;

/**
 * The sandbox client's fixed local secret (scripts/sandbox.ts): public and local-only, so
 * Swagger UI may come with it filled in. Any other secret is never put in a page.
 */
const PUBLIC_SANDBOX_SECRET = 'sandbox-app-local-secret-do-not-use-in-production';

const TAGS: Record<string, string> = {
  oauth2:
    'OAuth 2.0 token endpoint (client credentials, password, refresh token), introspection (RFC 7662) and revocation (RFC 7009). Clients authenticate with HTTP Basic (client_secret_basic) or client_id/client_secret in the form.',
  discovery:
    'Authorization server metadata (RFC 8414) and the JSON Web Key Set that verifies access tokens.',
  admin: "The platform's client and signing-key administration (scope clients:admin).",
  registrations: 'Online-banking signup of retail and business customers (Customer v2).',
  customers: "A customer's profile: read, change contact details (JSON Merge Patch), unlock.",
  disclosures: "The FI's terms and legal disclosures, their versions, and customers' acceptances.",
  'banking-activities':
    'The digital-banking activity log: search, export, ingest, the near-real-time feed and stream, the event catalogue.',
  health: 'Liveness and readiness probes.',
  reference: 'The API reference itself.',
};

/** Example placeholders, filled in each time the document is served (see resolveExamples). */
export const ExampleValue = {
  /** An instant relative to when the document is served, e.g. now(-86_400) = a day ago. */
  now: (offsetSeconds = 0): string =>
    `{{now${offsetSeconds === 0 ? '' : `${offsetSeconds > 0 ? '+' : ''}${offsetSeconds}s`}}}`,
  /** 8 letters and digits, new in every served document and every place it appears. */
  unique: '{{unique}}',
  /** A UUID, new in every served document and every place it appears. */
  uuid: '{{uuid}}',
};

const PLACEHOLDER = /\{\{(now(?:[+-]\d+s)?|unique|uuid)\}\}/g;

/**
 * Fills in the example placeholders: times relative to `at`, unique values fresh (random) or,
 * with `fixed`, derived from `at` so that a document generated with a fixed clock is the same
 * every time (scripts/openapi.ts).
 */
export function resolveExamples<T>(document: T, at: Date, fixed = false): T {
  let n = 0;
  const derived = (salt: string) =>
    createHash('sha256').update(`${at.toISOString()}#${n++}#${salt}`).digest();
  const text = JSON.stringify(document).replace(PLACEHOLDER, (_match, token: string) => {
    if (token === 'unique') {
      const bytes = fixed ? derived('unique') : randomBytes(8);
      return [...bytes.subarray(0, 8)]
        .map((b) => 'abcdefghjkmnpqrstuvwxyz23456789'[b % 31])
        .join('');
    }
    if (token === 'uuid') {
      if (!fixed) return randomUUID();
      const h = derived('uuid').toString('hex');
      return `${h.slice(0, 8)}-${h.slice(8, 12)}-4${h.slice(13, 16)}-a${h.slice(17, 20)}-${h.slice(20, 32)}`;
    }
    const offset = token === 'now' ? 0 : Number(token.slice(3, -1));
    return new Date(at.getTime() + offset * 1000).toISOString();
  });
  return JSON.parse(text) as T;
}

const toBool = () =>
  Transform(({ value }) =>
    value === undefined || value === '' ? undefined : ['1', 'true', 'yes'].includes(String(value)),
  );

/** What the documentation reads of the environment (every setting optional). */
export class DocsEnv {
  NODE_ENV?: string;

  @toBool()
  SANDBOX_MODE?: boolean;

  SANDBOX_CLIENT_ID?: string;
  SANDBOX_CLIENT_SECRET?: string;

  /** Public URL of the auth-server (its token endpoint is the OAuth flows' tokenUrl). */
  AUTH_ISSUER = 'http://localhost:3001';

  /** Where the auth-server's /reference reads the other services' documents. */
  CUSTOMER_SERVICE_URL = 'http://localhost:3002';
  ACTIVITY_SERVICE_URL = 'http://localhost:3003';

  get sandbox(): boolean {
    return this.SANDBOX_MODE === true && this.NODE_ENV !== 'production';
  }
}

type Json = Record<string, unknown>;
type Operation = Json & {
  security?: Record<string, string[]>[];
  responses?: Record<string, Json>;
  tags?: string[];
};

const METHODS = ['get', 'put', 'post', 'delete', 'options', 'head', 'patch', 'trace'];

function operations(document: OpenAPIObject): Operation[] {
  return Object.entries(document.paths ?? {}).flatMap(([path, item]) =>
    METHODS.flatMap((m) => {
      const op = (item as Record<string, unknown>)[m] as Operation | undefined;
      if (!op) return [];
      // Every operation has a summary, even one whose route says nothing yet.
      op.summary ??= `${m.toUpperCase()} ${path}`;
      return [op];
    }),
  );
}

const scopeMap = (scopes: readonly string[], described: Record<string, string>) =>
  Object.fromEntries(scopes.map((s) => [s, described[s] ?? s]));

const SCOPE_DESCRIPTIONS: Record<string, string> = {
  [Scope.CustomersWrite]: 'Register customers, change and unlock them, record acceptances',
  [Scope.CustomersRead]: "Read any of the FI's customers",
  [Scope.ProfileRead]: 'Read the profile (a customer: their own)',
  [Scope.ProfileWrite]: 'Change the profile (a customer: their own)',
  [Scope.DisclosuresRead]: "Read the FI's disclosures",
  [Scope.DisclosuresWrite]: 'Publish disclosures',
  [Scope.BankingActivitiesRead]: 'Search, export and follow banking activity',
  [Scope.BankingActivitiesWrite]: 'Ingest banking activity',
  [Scope.AccountRead]: 'Read account-level activity (needed with banking-activities:read)',
  [Scope.ClientsAdmin]: 'Administer clients and signing keys',
  [Scope.InternalCredentialsVerify]: "Platform services only: check a customer's credentials",
  [Scope.InternalEventsWrite]: "Platform services only: write any FI's events",
  [Scope.InternalRevocationsRead]: 'Platform services only: read the revocation feed',
  [Scope.InternalSandboxAdmin]: "Platform services only: wipe and seed a sandbox FI's data",
};

/** The security schemes, with the token endpoint at `tokenUrl`. */
export function securitySchemes(tokenUrl: string): Json {
  return {
    [SECURITY.app]: {
      type: 'oauth2',
      description:
        "An application's token (client credentials). In sandbox mode the sandbox app's id (and its public local secret) are filled in: Authorize, then Try it out.",
      flows: {
        clientCredentials: {
          tokenUrl,
          scopes: scopeMap(
            [...FI_SCOPES, Scope.ClientsAdmin, ...INTERNAL_SCOPES],
            SCOPE_DESCRIPTIONS,
          ),
        },
      },
    },
    [SECURITY.customer]: {
      type: 'oauth2',
      description:
        "A customer's token (password grant through the FI's app): the loginId and password of a registered customer. It speaks for that customer alone.",
      flows: {
        password: { tokenUrl, scopes: scopeMap(CUSTOMER_SCOPES, SCOPE_DESCRIPTIONS) },
      },
    },
    [SECURITY.client]: {
      type: 'http',
      scheme: 'basic',
      description: 'client_secret_basic (RFC 6749 §2.3.1): client_id and client_secret',
    },
    [SECURITY.bearer]: {
      type: 'http',
      scheme: 'bearer',
      bearerFormat: 'JWT',
      description: 'An access token you already have (from curl or Postman), pasted as is',
    },
  };
}

const problemContent = (codes: string[]) => ({
  [PROBLEM_CONTENT_TYPE]: {
    schema: {
      allOf: [
        { $ref: '#/components/schemas/Problem' },
        { type: 'object', properties: { code: { type: 'string', enum: codes } } },
      ],
    },
  },
});

const oauthErrorContent = (errors: string[]) => ({
  'application/json': {
    schema: {
      allOf: [
        { $ref: '#/components/schemas/OAuthError' },
        { type: 'object', properties: { error: { type: 'string', enum: errors } } },
      ],
    },
  },
});

function securityOf(auth: AuthDoc): Record<string, string[]>[] {
  const scopes = auth.scopes ?? [];
  const kind = auth.kind ?? 'app';
  const sets = auth.anyOf ? scopes.map((s) => [s]) : [scopes];
  const requirements: Record<string, string[]>[] = [];
  if (kind !== 'customer') for (const set of sets) requirements.push({ [SECURITY.app]: set });
  if (kind === 'customer' || kind === 'app-or-customer') {
    for (const set of sets) {
      if (set.every((s) => (CUSTOMER_SCOPES as readonly string[]).includes(s)))
        requirements.push({ [SECURITY.customer]: set });
    }
  }
  requirements.push({ [SECURITY.bearer]: [] });
  return requirements;
}

function callerCodes(kind: AuthDoc['kind'], codes: CallerErrorCodes): string[] {
  switch (kind ?? 'app') {
    case 'app':
      return [codes.appTokenRequired];
    case 'customer':
      return [codes.customerTokenRequired];
    case 'platform':
      return [codes.platformTokenRequired];
    default:
      return [];
  }
}

export interface FinishOptions {
  tokenUrl: string;
  callerCodes: CallerErrorCodes;
}

/**
 * Turns the routes' x-auth / x-problems / x-oauth-errors into security requirements and typed
 * error responses; public routes get `security: []`; adds the shared schemas, the security
 * schemes and the tags' descriptions.
 */
export function finishDocument(document: OpenAPIObject, options: FinishOptions): OpenAPIObject {
  const used = new Set<string>();
  for (const op of operations(document)) {
    const auth = op[X_AUTH] as AuthDoc | undefined;
    const problems: ErrorsDoc = { ...((op[X_PROBLEMS] as ErrorsDoc | undefined) ?? {}) };
    const oauth = (op[X_OAUTH_ERRORS] as ErrorsDoc | undefined) ?? {};
    delete op[X_AUTH];
    delete op[X_PROBLEMS];
    delete op[X_OAUTH_ERRORS];
    const responses = (op.responses ??= {});
    if (auth) {
      op.security = securityOf(auth);
      const add = (status: number, codes: string[], description: string) => {
        const entry = problems[status];
        problems[status] = {
          codes: [...new Set([...(entry?.codes ?? []), ...codes])],
          description: entry ? `${entry.description} ${description}` : description,
        };
      };
      add(
        401,
        ['INVALID_TOKEN'],
        'Missing, invalid, expired or revoked access token (WWW-Authenticate: Bearer error="invalid_token").',
      );
      add(
        403,
        [
          'INSUFFICIENT_SCOPE',
          'INSTITUTION_MISMATCH',
          ...callerCodes(auth.kind, options.callerCodes),
        ],
        `The token lacks ${auth.anyOf ? 'every one' : 'one'} of the scopes (${(auth.scopes ?? []).join(auth.anyOf ? ' | ' : ', ')}), is of the wrong kind of caller, or an institutionId header names another FI.`,
      );
    } else if (op.security === undefined) {
      op.security = [];
    }
    for (const [status, entry] of Object.entries(problems)) {
      responses[status] = {
        description: `${entry.description} Codes: ${entry.codes.join(', ')}.`.trim(),
        content: problemContent(entry.codes),
      };
    }
    for (const [status, entry] of Object.entries(oauth)) {
      responses[status] = {
        description: `${entry.description} error: ${entry.codes.join(', ')}.`.trim(),
        content: oauthErrorContent(entry.codes),
      };
    }
    for (const tag of op.tags ?? []) used.add(tag);
  }
  const components = (document.components ??= {}) as Json & { schemas?: Json };
  const text = JSON.stringify(document.paths);
  components.schemas = {
    ...(components.schemas ?? {}),
    ...(text.includes('#/components/schemas/Problem"') ? { Problem: PROBLEM_SCHEMA } : {}),
    ...(text.includes('#/components/schemas/OAuthError"')
      ? { OAuthError: OAUTH_ERROR_SCHEMA }
      : {}),
  };
  // The schemes this document's operations name (HTTP Basic only where the OAuth endpoints are).
  components.securitySchemes = Object.fromEntries(
    Object.entries(securitySchemes(options.tokenUrl)).filter(([name]) =>
      text.includes(`{"${name}":[`),
    ),
  );
  document.tags = [...used].sort().map((name) => ({
    name,
    ...(TAGS[name] ? { description: TAGS[name] } : {}),
  }));
  return document;
}

/** The scheme and host a request was made to (as a trusted proxy forwarded them). */
const originOf = (req: FastifyRequest): string => `${req.protocol}://${req.host}`;

/** `?examplesAt=<ISO instant>` computes the examples for that moment (stable files). */
function examplesClock(req: FastifyRequest): { at: Date; fixed: boolean } {
  const at = (req.query as Record<string, unknown> | undefined)?.examplesAt;
  if (typeof at === 'string' && !Number.isNaN(Date.parse(at)))
    return { at: new Date(at), fixed: true };
  return { at: new Date(), fixed: false };
}

/** The document as served to this request: its own server, fresh examples. */
export function servedDocument(template: OpenAPIObject, req: FastifyRequest): OpenAPIObject {
  const { at, fixed } = examplesClock(req);
  const document = resolveExamples(template, at, fixed);
  document.servers = [{ url: originOf(req), description: 'This service, as you reached it' }];
  return document;
}

/** Swagger UI's options: in sandbox mode, the sandbox app is filled in (one-click Authorize). */
export function swaggerUiOptions(env: DocsEnv): Json {
  const secret =
    env.SANDBOX_CLIENT_SECRET === PUBLIC_SANDBOX_SECRET
      ? { clientSecret: PUBLIC_SANDBOX_SECRET }
      : {};
  return {
    persistAuthorization: true,
    displayRequestDuration: true,
    tryItOutEnabled: true,
    ...(env.sandbox && env.SANDBOX_CLIENT_ID
      ? { initOAuth: { clientId: env.SANDBOX_CLIENT_ID, ...secret, appName: 'Sandbox app' } }
      : {}),
  };
}

export function docsEnv(source: EnvSource | undefined): DocsEnv {
  return source ? loadEnv(DocsEnv, source) : loadEnv(DocsEnv);
}

/** The caller codes of the app (its PlatformModule's callerErrorCodes), for the 403s. */
export function appCallerCodes(app: NestFastifyApplication): CallerErrorCodes {
  return app.get<CallerErrorCodes>(CALLER_ERROR_CODES, { strict: false });
}

const REFERENCE_BASE_HEADER = 'x-reference-base';
const ORIGIN =
  /^https?:\/\/[A-Za-z0-9.-]+(?::\d{1,5})?$|^https?:\/\/\[[0-9a-fA-F:]+\](?::\d{1,5})?$/;

interface ReferenceSource {
  name: string;
  /** Where the document is read from (this process for the auth-server). */
  load: (examplesAt: string | undefined) => Promise<OpenAPIObject>;
  /** Where its operations are called from a browser when no gateway is in front. */
  url: string;
}

/**
 * The platform in one document: every service's operations, each path with the server that
 * answers it (or, behind the gateway, the gateway itself, which it names with X-Reference-Base).
 */
export async function referenceDocument(
  sources: ReferenceSource[],
  req: FastifyRequest,
  tokenUrl: string,
): Promise<OpenAPIObject> {
  const header = req.headers[REFERENCE_BASE_HEADER];
  const base = typeof header === 'string' && ORIGIN.test(header) ? header : undefined;
  const { at, fixed } = examplesClock(req);
  const merged: OpenAPIObject = {
    openapi: '3.0.0',
    info: {
      title: 'Digital banking platform API reference',
      version: '1.0',
      description:
        "Every public operation of the auth-server, customer-service (Customer v2) and activity-service (Banking Activity), each with the server that answers it. Authorize once (OAuth 2.0: client credentials for the FI's app, the password grant for a customer), then Try it out. Each service also documents itself at /docs.",
      license: { name: 'UNLICENSED', url: 'https://spdx.org/licenses/' },
    },
    servers: [{ url: base ?? originOf(req) }],
    paths: {},
    components: {
      schemas: {},
      securitySchemes: securitySchemes(base ? `${base}/oauth2/v1/token` : tokenUrl) as NonNullable<
        OpenAPIObject['components']
      >['securitySchemes'],
    },
    tags: [],
  };
  const unavailable: string[] = [];
  const tags = new Map<string, Json>();
  for (const source of sources) {
    let document: OpenAPIObject;
    try {
      document = await source.load(fixed ? at.toISOString() : undefined);
    } catch {
      unavailable.push(source.name);
      continue;
    }
    document = resolveExamples(document, at, fixed);
    const schemas = (merged.components!.schemas ??= {}) as Json;
    let text = JSON.stringify({
      paths: document.paths,
      schemas: document.components?.schemas ?? {},
    });
    for (const [name, schema] of Object.entries(document.components?.schemas ?? {})) {
      if (name in schemas && JSON.stringify(schemas[name]) !== JSON.stringify(schema)) {
        text = text.replaceAll(
          `"#/components/schemas/${name}"`,
          `"#/components/schemas/${source.name}.${name}"`,
        );
      }
    }
    const renamed = JSON.parse(text) as { paths: Json; schemas: Json };
    for (const [name, schema] of Object.entries(renamed.schemas)) {
      const key =
        name in schemas && JSON.stringify(schemas[name]) !== JSON.stringify(schema)
          ? `${source.name}.${name}`
          : name;
      schemas[key] = schema;
    }
    for (const [path, item] of Object.entries(renamed.paths)) {
      // Each service has /health/live and /health/ready: the first one listed stands for all.
      if (path in merged.paths) continue;
      merged.paths[path] = {
        servers: [{ url: base ?? source.url, description: source.name }],
        ...(item as Json),
      };
    }
    for (const tag of document.tags ?? []) tags.set(tag.name, tag as unknown as Json);
  }
  merged.tags = [...tags.values()].sort((a, b) =>
    String(a.name).localeCompare(String(b.name)),
  ) as unknown as OpenAPIObject['tags'];
  if (unavailable.length > 0)
    merged.info.description += ` Not reachable just now, so not listed: ${unavailable.join(', ')}.`;
  return merged;
}

/** Serves /docs and /docs-json, and on the auth-server /reference and /reference-json. */
export function setupDocs(
  app: NestFastifyApplication,
  template: OpenAPIObject,
  env: DocsEnv,
  options: { reference?: boolean; tokenUrl: string },
): void {
  const ui = swaggerUiOptions(env);
  SwaggerModule.setup('docs', app, template, {
    jsonDocumentUrl: 'docs-json',
    yamlDocumentUrl: 'docs-yaml',
    customSiteTitle: template.info.title,
    swaggerOptions: ui,
    patchDocumentOnRequest: <Req>(req: Req) => servedDocument(template, req as FastifyRequest),
  });
  if (!options.reference) return;
  const fetchDocument = (url: string) => async (examplesAt: string | undefined) => {
    const query = examplesAt ? `?examplesAt=${encodeURIComponent(examplesAt)}` : '';
    const res = await fetch(`${url.replace(/\/$/, '')}/docs-json${query}`, {
      signal: AbortSignal.timeout(3000),
    });
    if (!res.ok) throw new Error(`${url}: ${res.status}`);
    return (await res.json()) as OpenAPIObject;
  };
  const issuer = env.AUTH_ISSUER.replace(/\/$/, '');
  const sources: ReferenceSource[] = [
    { name: 'auth-server', url: issuer, load: () => Promise.resolve(structuredClone(template)) },
    {
      name: 'customer-service',
      url: env.CUSTOMER_SERVICE_URL,
      load: fetchDocument(env.CUSTOMER_SERVICE_URL),
    },
    {
      name: 'activity-service',
      url: env.ACTIVITY_SERVICE_URL,
      load: fetchDocument(env.ACTIVITY_SERVICE_URL),
    },
  ];
  SwaggerModule.setup('reference', app, template, {
    jsonDocumentUrl: 'reference-json',
    raw: ['json'],
    customSiteTitle: 'Digital banking platform API reference',
    swaggerOptions: ui,
    patchDocumentOnRequest: <Req>(req: Req) =>
      referenceDocument(sources, req as FastifyRequest, options.tokenUrl),
  });
}

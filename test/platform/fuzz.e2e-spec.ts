import { Agent, request as httpRequest } from 'node:http';
import fc from 'fast-check';
import {
  openApiDocuments,
  startLocalPlatform,
  type LocalPlatform,
} from '../../scripts/local-platform';
import { SANDBOX } from '../../scripts/sandbox';
import { createTestDatabase, type TestDatabase } from '../support/database';
import { clientToken, postForm } from '../support/platform';

/*
 * Fuzzing every operation of the three OpenAPI documents (fast-check, a bounded number of runs
 * per operation, a fixed seed): schema-shaped values mixed with hostile ones (NUL, lone
 * surrogates, bidi controls, 100 KB strings, huge and NaN-like numbers, wrong types, nesting
 * 40 to 10,000 deep, many keys, __proto__ keys, empty, malformed and oversized bodies, wrong
 * content types, undecodable percent-escapes), with the sandbox app's token, other tokens or
 * none. No answer may be a 5xx, and every 4xx has the contract's shape.
 *
 * Reproduce a failure: FUZZ_SEED=<seed> FUZZ_OP='<METHOD service /path>' [FUZZ_PATH=<path>]
 * npx jest test/platform/fuzz (the failure message prints them); TEST_LOG_LEVEL=error shows the
 * services' logs and stacks.
 */

const BASE_SEED = Number(process.env.FUZZ_SEED ?? 20_261_130);
const RUNS = Number(process.env.FUZZ_RUNS ?? 30);
const ONLY_OP = process.env.FUZZ_OP;
const REPLAY_PATH = process.env.FUZZ_PATH;
const MIB = 1_048_576;
/** Node's HTTP parser answers a header section over 16 KiB itself (431, no body). */
const MAX_URL_OR_HEADER = 6_000;
const NOW = Date.now();
const DAY = 86_400_000;

type Service = 'auth' | 'customer' | 'activity';
type Schema = Record<string, unknown>;
interface Parameter {
  name: string;
  in: 'path' | 'query' | 'header' | 'cookie';
  required?: boolean;
  schema?: Schema;
}
interface Operation {
  key: string;
  service: Service;
  method: string;
  path: string;
  parameters: Parameter[];
  /** Content type and schema of the documented request body, if any. */
  body?: { contentType: string; schema: Schema };
  security: 'bearer' | 'client' | 'none';
  components: Record<string, Schema>;
}

type Auth = 'app' | 'customer' | 'admin' | 'none' | 'garbage';
interface FuzzRequest {
  method: string;
  /** Path and query, already percent-encoded (possibly badly, on purpose). */
  target: string;
  headers: Record<string, string>;
  body?: Buffer;
  auth: Auth;
  /** What the generator did, for the failure report. */
  shape: string;
}
interface Answer {
  status: number;
  contentType: string;
  text: string;
}

// ---------------------------------------------------------------------------------------------
// Hostile values

const LONG = 100_000;
const HOSTILE_STRINGS = [
  '',
  ' ',
  '\u0000',
  'a\u0000b',
  '\ud800',
  'x\udc00y',
  '\udfff\ud800',
  '\u202eevil\u202c.exe',
  '\u2066\u2067\u2068\u2069\u200f',
  '\u200b\ufeff\uffff\ufffe',
  'Crédit Zoë 銀行 🏦',
  'e\u0301\u0308\u0324',
  '../../etc/passwd',
  "' OR '1'='1",
  '"; DROP TABLE customer.customers; --',
  '%00',
  '%',
  '%ED%A0%80',
  '${jndi:ldap://x/a}',
  '<script>alert(1)</script>',
  '{{7*7}}',
  '\\',
  '\r\n',
  '-1',
  '0',
  'NaN',
  'Infinity',
  '-Infinity',
  '1e309',
  '-0',
  '99999999999999999999999999',
  'null',
  'undefined',
  'true',
  '__proto__',
  'constructor',
  'toString',
  '2026-02-30T25:61:61Z',
  '0000-00-00',
  '+275760-09-13T00:00:00.001Z',
];

/** 10,000 to 100,000 repetitions of one hostile unit. */
const longString = fc
  .tuple(
    fc.constantFrom('a', '\u202e', 'é', '\ud800', '🏦', '\u0000', '%', '9'),
    fc.integer({ min: LONG / 10, max: LONG }),
  )
  .map(([unit, n]) => unit.repeat(n));

const hostileString: fc.Arbitrary<string> = fc.oneof(
  { weight: 5, arbitrary: fc.constantFrom(...HOSTILE_STRINGS) },
  { weight: 2, arbitrary: fc.string({ unit: 'binary', maxLength: 40 }) },
  { weight: 1, arbitrary: fc.string({ unit: 'binary-ascii', maxLength: 40 }) },
  { weight: 1, arbitrary: fc.string({ unit: 'grapheme', maxLength: 20 }) },
  { weight: 1, arbitrary: longString },
);

/** Number tokens as written in JSON text (some beyond what a double holds). */
const RAW_NUMBERS = [
  '-1',
  '0',
  '-0',
  '1.5',
  '1e309',
  '-1e309',
  '1e-400',
  '2147483648',
  '-2147483649',
  '9007199254740993',
  '123456789012345678901234567890',
  '1E2',
  '0.0000001',
];

/** `depth` nested arrays or objects, as text (JSON.stringify itself would recurse that deep). */
const nested = (depth: number, kind: 'array' | 'object'): string =>
  kind === 'array'
    ? '['.repeat(depth) + ']'.repeat(depth)
    : '{"a":'.repeat(depth) + '1' + '}'.repeat(depth);
const deepJson = fc
  .tuple(
    fc.oneof(fc.integer({ min: 20, max: 64 }), fc.constantFrom(100, 1_000, 10_000)),
    fc.constantFrom<'array' | 'object'>('array', 'object'),
  )
  .map(([depth, kind]) => nested(depth, kind));

const manyKeys = fc
  .integer({ min: 1_000, max: 20_000 })
  .map((n) => `{${Array.from({ length: n }, (_, i) => `"k${i}":${i}`).join(',')}}`);

const PROTO_JSON = [
  '{"__proto__":{"polluted":true,"isAdmin":true}}',
  '{"constructor":{"prototype":{"polluted":true}}}',
  '{"__proto__":null}',
  '{"toString":1,"hasOwnProperty":"x","valueOf":[]}',
];

/** A JSON value (as text) of any type but the expected one. */
const hostileJson: fc.Arbitrary<string> = fc.oneof(
  { weight: 6, arbitrary: hostileString.map((s) => JSON.stringify(s)) },
  { weight: 3, arbitrary: fc.constantFrom(...RAW_NUMBERS) },
  {
    weight: 3,
    arbitrary: fc.constantFrom('null', 'true', 'false', '[]', '{}', '[null]', '[[]]', '""'),
  },
  { weight: 1, arbitrary: fc.constantFrom(...PROTO_JSON) },
  { weight: 1, arbitrary: deepJson },
  { weight: 1, arbitrary: manyKeys },
);

const MALFORMED_JSON = [
  '{',
  '}',
  '{"a":',
  '[1,2',
  'nul',
  '{"a":1}}',
  '{"a":1,}',
  "{'a':1}",
  '{a:1}',
  '\u0000',
  '{"a":"\\ud800"}',
  '{"a":"\\u0000"}',
  '{"a\\u0000b":1}',
  '{"a":"\\x41"}',
  '{"a":NaN}',
  '{"a":Infinity}',
  '{"a":01}',
  '\ufeff{}',
  '{"a":1} {"b":2}',
  '"unterminated',
  '{"a":"\\u12"}',
  '/* comment */ {}',
];

/** Bytes that are not UTF-8 at all, inside otherwise valid JSON. */
const INVALID_UTF8 = [
  [0xed, 0xa0, 0x80],
  [0xff, 0xfe],
  [0xc0, 0xaf],
  [0x80],
  [0xf4, 0x90, 0x80, 0x80],
  [0xe2, 0x82],
];

/**
 * Percent-encodes a string the way a client could put it on the wire: lone surrogates as the
 * three bytes of their code unit (%ED%A0%80), which encodeURIComponent refuses to do.
 */
function encodeLoosely(s: string): string {
  let out = '';
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    const next = s.charCodeAt(i + 1);
    if (c >= 0xd800 && c <= 0xdbff && next >= 0xdc00 && next <= 0xdfff) {
      out += encodeURIComponent(s.slice(i, i + 2));
      i++;
    } else if (c >= 0xd800 && c <= 0xdfff) {
      out +=
        `%${(0xe0 | (c >> 12)).toString(16)}%${(0x80 | ((c >> 6) & 0x3f)).toString(16)}%${(0x80 | (c & 0x3f)).toString(16)}`.toUpperCase();
    } else {
      out += encodeURIComponent(s[i]!);
    }
  }
  return out;
}

/** Encoded (or deliberately mis-encoded) text for a URL part. */
const RAW_URL_GARBAGE = [
  '%00',
  '%ED%A0%80',
  '%',
  '%zz',
  '%2',
  '%2F',
  '%2e%2e',
  '..',
  '.',
  '%C0%AF',
  '%FF',
  '%E2%80%AE',
  '%F0%9F%8F%A6',
  '%EF%BB%BF',
  '%25',
  ';',
  '%3B',
  '@',
  '~',
  "'",
  '%27%22%5C',
  '%0D%0A',
  '%u0000',
];
const urlHostile: fc.Arbitrary<string> = fc.oneof(
  { weight: 3, arbitrary: fc.constantFrom(...RAW_URL_GARBAGE) },
  {
    weight: 3,
    arbitrary: hostileString.map((s) => encodeLoosely(s).slice(0, MAX_URL_OR_HEADER / 2)),
  },
  {
    weight: 1,
    arbitrary: fc.integer({ min: 100, max: MAX_URL_OR_HEADER / 2 }).map((n) => 'a'.repeat(n)),
  },
);

/**
 * Header text a client can send: Node refuses to send a NUL, CR, LF or a character above
 * U+00FF, so non-ASCII goes as Latin-1 bytes (a UTF-8 lone surrogate's bytes, invalid UTF-8).
 */
const headerChar = fc.oneof(
  { weight: 6, arbitrary: fc.integer({ min: 0x20, max: 0x7e }) },
  { weight: 2, arbitrary: fc.integer({ min: 0x80, max: 0xff }) },
  { weight: 1, arbitrary: fc.constant(0x09) },
);
const headerHostile: fc.Arbitrary<string> = fc.oneof(
  fc.constantFrom(
    '',
    ' ',
    '\u00ed\u00a0\u0080',
    '\u00ff\u00fe',
    '\u00e9',
    '*',
    '"',
    'W/"x"',
    ', , ,',
    '-1',
    'NaN',
    '%00',
    '__proto__',
  ),
  fc.array(headerChar, { maxLength: 40 }).map((cs) => String.fromCharCode(...cs)),
  fc.integer({ min: 100, max: MAX_URL_OR_HEADER }).map((n) => 'x'.repeat(n)),
);

// ---------------------------------------------------------------------------------------------
// Schema-shaped values

interface Known {
  customerId: string;
  clientId: string;
  disclosure?: { disclosureId: string; version: string };
}

const isoAt = (min: number, max: number) =>
  fc.integer({ min, max }).map((offset) => new Date(NOW + offset).toISOString());

const maybe = <T>(value: fc.Arbitrary<T>, present: number, absent: number) =>
  fc.oneof(
    { weight: present, arbitrary: value },
    { weight: absent, arbitrary: fc.constant(undefined) },
  );

/** A plausible value for a field of this name, when the schema alone says too little. */
function hintFor(name: string, known: Known): fc.Arbitrary<string> | undefined {
  if (name === 'startTime') return isoAt(-90 * DAY, -60_000);
  if (name === 'endTime') return isoAt(0, DAY);
  if (/time$|At$|^since$/i.test(name)) return isoAt(-100 * DAY, DAY);
  if (name === 'customerId') return fc.oneof(fc.constant(known.customerId), fc.uuid());
  if (name === 'clientId') return fc.oneof(fc.constant(known.clientId), fc.uuid());
  if (name === 'disclosureId' && known.disclosure)
    return fc.constantFrom(known.disclosure.disclosureId, 'e-sign-consent');
  if (name === 'version' && known.disclosure)
    return fc.constantFrom(known.disclosure.version, '1', '2');
  if (name === 'client_id') return fc.constant(SANDBOX.clientId);
  if (name === 'client_secret') return fc.constant(SANDBOX.clientSecret);
  if (name === 'institutionId') return fc.constant(SANDBOX.institutionId);
  if (name === 'loginId' || name === 'userId' || name === 'username')
    return fc.stringMatching(/^[a-z][a-z0-9]{5,12}$/);
  if (name === 'guid') return fc.uuid();
  return undefined;
}

function resolve(schema: Schema, components: Record<string, Schema>): Schema {
  let s = schema;
  for (let i = 0; i < 10; i++) {
    if (typeof s.$ref === 'string') s = components[s.$ref.split('/').pop()!] ?? {};
    else if (Array.isArray(s.allOf) && s.allOf.length > 0) s = s.allOf[0] as Schema;
    else break;
  }
  return s;
}

/** A string value for a schema (what a query, header, path or form field holds). */
function stringFor(schema: Schema, name: string, known: Known): fc.Arbitrary<string> {
  const options: fc.Arbitrary<string>[] = [];
  if (Array.isArray(schema.enum)) options.push(fc.constantFrom(...schema.enum.map(String)));
  if (schema.example !== undefined && typeof schema.example !== 'object')
    options.push(fc.constant(String(schema.example)));
  const hint = hintFor(name, known);
  if (hint) options.push(hint);
  if (schema.format === 'uuid') options.push(fc.uuid());
  if (schema.type === 'number' || schema.type === 'integer')
    options.push(
      fc
        .integer({ min: Number(schema.minimum ?? 0), max: Number(schema.maximum ?? 1000) })
        .map(String),
    );
  if (schema.type === 'boolean') options.push(fc.constantFrom('true', 'false'));
  if (options.length === 0) options.push(fc.string({ minLength: 1, maxLength: 20 }));
  return fc.oneof(...options);
}

/**
 * JSON text for a schema. `mix`: any node may instead be a hostile value, and objects may carry
 * unknown and prototype keys.
 */
function jsonFor(
  schema: Schema,
  components: Record<string, Schema>,
  known: Known,
  mix: boolean,
  name = '',
  depth = 0,
): fc.Arbitrary<string> {
  const s = resolve(schema, components);
  let valid: fc.Arbitrary<string>;
  const properties = s.properties as Record<string, Schema> | undefined;
  if (properties && depth < 4) {
    const required = new Set((s.required as string[] | undefined) ?? []);
    const entries = Object.entries(properties).map(([key, prop]) => {
      const value = jsonFor(prop, components, known, mix, key, depth + 1).map(
        (v) => `${JSON.stringify(key)}:${v}`,
      );
      if (required.has(key)) return mix ? maybe(value, 8, 1) : value;
      // Optional members mostly absent in a valid body, so that some of those pass whole.
      return mix ? maybe(value, 1, 1) : maybe(value, 1, 4);
    });
    const extra = mix
      ? fc.array(
          fc
            .tuple(
              fc.oneof(
                fc.constantFrom('__proto__', 'constructor', 'prototype', 'toString', ''),
                hostileString.map((k) => k.slice(0, 200)),
              ),
              hostileJson,
            )
            .map(([k, v]) => `${JSON.stringify(k)}:${v}`),
          { maxLength: 2 },
        )
      : fc.constant([]);
    valid = fc
      .tuple(fc.tuple(...entries), extra)
      .map(([own, more]) => `{${[...own.filter((e) => e !== undefined), ...more].join(',')}}`);
  } else if (s.type === 'array' && s.items && depth < 4) {
    valid = fc
      .array(jsonFor(s.items as Schema, components, known, mix, name, depth + 1), {
        minLength: Number(s.minItems ?? 0) > 0 ? 1 : 0,
        maxLength: 3,
      })
      .map((items) => `[${items.join(',')}]`);
  } else if (s.type === 'number' || s.type === 'integer') {
    valid = stringFor(s, name, known);
  } else if (s.type === 'boolean') {
    valid = fc.constantFrom('true', 'false');
  } else if (s.type === 'string') {
    valid = stringFor(s, name, known).map((v) => JSON.stringify(v));
  } else {
    // An untyped value (an attribute filter's value): any small JSON value.
    valid = fc.oneof(
      fc.integer().map(String),
      fc.string({ maxLength: 10 }).map((v) => JSON.stringify(v)),
      fc.boolean().map(String),
      fc.array(fc.string({ maxLength: 5 }), { maxLength: 3 }).map((a) => JSON.stringify(a)),
    );
  }
  return mix
    ? fc.oneof({ weight: 5, arbitrary: valid }, { weight: 1, arbitrary: hostileJson })
    : valid;
}

/** Form fields `[name, value]` for a schema, encoded loosely (NUL and lone surrogates too). */
function formFor(
  schema: Schema,
  components: Record<string, Schema>,
  known: Known,
  mix: boolean,
): fc.Arbitrary<string> {
  const s = resolve(schema, components);
  const required = new Set((s.required as string[] | undefined) ?? []);
  const fields = Object.entries((s.properties as Record<string, Schema>) ?? {}).map(
    ([key, prop]) => {
      const valid = stringFor(resolve(prop, components), key, known);
      const value = mix
        ? fc.oneof({ weight: 3, arbitrary: valid }, { weight: 1, arbitrary: hostileString })
        : valid;
      return fc.option(
        value.map((v) => `${key}=${encodeLoosely(v)}`),
        { nil: undefined, freq: required.has(key) ? 10 : 3 },
      );
    },
  );
  const extra = mix
    ? fc.array(
        fc.oneof(
          fc.constantFrom(
            'grant_type=client_credentials&grant_type=password',
            'a[b][c]=1',
            '__proto__[x]=1',
            'constructor[prototype][x]=1',
            '=',
            '&&&',
            '%=%',
            'a=%',
            'scope=%00',
            `a=${'%ED%A0%80'}`,
          ),
          fc.tuple(urlHostile, urlHostile).map(([k, v]) => `${k}=${v}`),
        ),
        { maxLength: 2 },
      )
    : fc.constant([]);
  return fc
    .tuple(fc.tuple(...fields), extra)
    .map(([own, more]) => [...own.filter((f) => f !== undefined), ...more].join('&'));
}

// ---------------------------------------------------------------------------------------------
// Requests

const WRONG_CONTENT_TYPES = [
  'text/plain',
  'application/xml',
  'application/x-www-form-urlencoded',
  'multipart/form-data; boundary=x',
  'application/json; charset=utf-16',
  'application/json; charset=latin1',
  'application/json; charset=bogus',
  'application/octet-stream',
  '',
  'application/json, text/plain',
  'a/b/c',
  ';;;',
  'application/merge-patch+json',
  'application/problem+json',
  'application/jsonx',
  'APPLICATION/JSON',
];

interface BodyPart {
  contentType?: string;
  body?: Buffer;
  shape: string;
}

function bodyFor(op: Operation, known: Known): fc.Arbitrary<BodyPart> {
  const declared = op.body?.contentType ?? 'application/json';
  const isForm = declared === 'application/x-www-form-urlencoded';
  const limit = isForm ? 16_384 : MIB;
  const part = (shape: string, contentType: string | undefined, body: string | Buffer) => ({
    shape,
    contentType,
    body: typeof body === 'string' ? Buffer.from(body, 'utf8') : body,
  });
  const oversized = fc
    .nat(2_048)
    .map((n) =>
      part(
        'oversized',
        declared,
        isForm ? `token=${'a'.repeat(limit + n)}` : `{"a":"${'a'.repeat(limit + n)}"}`,
      ),
    );
  const garbage: fc.WeightedArbitrary<BodyPart>[] = [
    { weight: 1, arbitrary: fc.constant(part('empty', declared, '')) },
    {
      weight: 2,
      arbitrary: fc.constantFrom(...MALFORMED_JSON).map((t) => part('malformed', declared, t)),
    },
    { weight: 2, arbitrary: deepJson.map((t) => part('deep', declared, t)) },
    { weight: 1, arbitrary: manyKeys.map((t) => part('many-keys', declared, t)) },
    {
      weight: 1,
      arbitrary: fc.constantFrom(...PROTO_JSON).map((t) => part('prototype', declared, t)),
    },
    { weight: 1, arbitrary: oversized },
    {
      weight: 1,
      arbitrary: fc
        .constantFrom(...INVALID_UTF8)
        .map((bytes) =>
          part(
            'invalid-utf8',
            declared,
            Buffer.concat([Buffer.from('{"a":"'), Buffer.from(bytes), Buffer.from('"}')]),
          ),
        ),
    },
  ];
  if (!op.body) {
    return fc.oneof(
      { weight: 12, arbitrary: fc.constant<BodyPart>({ shape: 'no-body' }) },
      ...garbage,
    );
  }
  const schemaText = (mix: boolean) =>
    isForm
      ? formFor(op.body!.schema, op.components, known, mix)
      : jsonFor(op.body!.schema, op.components, known, mix);
  return fc.oneof(
    { weight: 5, arbitrary: schemaText(false).map((t) => part('valid', declared, t)) },
    { weight: 10, arbitrary: schemaText(true).map((t) => part('mutated', declared, t)) },
    {
      weight: 2,
      arbitrary: fc
        .tuple(schemaText(false), fc.constantFrom(...WRONG_CONTENT_TYPES))
        .map(([t, ct]) => part(`content-type ${ct}`, ct || undefined, t)),
    },
    ...garbage,
  );
}

function queryFor(op: Operation, known: Known): fc.Arbitrary<string> {
  const documented = op.parameters
    .filter((p) => p.in === 'query')
    .map((p) =>
      fc.option(
        fc
          .oneof(
            { weight: 2, arbitrary: stringFor(p.schema ?? {}, p.name, known).map(encodeLoosely) },
            { weight: 2, arbitrary: urlHostile },
          )
          .map((v) => `${p.name}=${v}`),
        { nil: undefined, freq: 2 },
      ),
    );
  const extra = fc.array(
    fc.oneof(
      fc.constantFrom('__proto__=1', 'constructor[prototype][x]=1', 'a[b][c][d]=1', '=', '&'),
      fc.tuple(urlHostile, urlHostile).map(([k, v]) => `${k}=${v}`),
      // A documented name repeated, or as a nested (qs-style) key: an array or an object.
      ...op.parameters
        .filter((p) => p.in === 'query')
        .map((p) => fc.constantFrom(`${p.name}=a&${p.name}=b`, `${p.name}[x]=1`, `${p.name}[]=1`)),
    ),
    { maxLength: 2 },
  );
  return fc
    .tuple(fc.tuple(...documented), fc.option(extra, { nil: [], freq: 3 }))
    .map(([own, more]) => {
      const all = [...own.filter((q) => q !== undefined), ...more];
      return all.length > 0 ? `?${all.join('&')}` : '';
    });
}

function pathFor(op: Operation, known: Known): fc.Arbitrary<string> {
  const params = op.parameters.filter((p) => p.in === 'path');
  return fc
    .tuple(
      ...params.map((p) =>
        fc.oneof(
          { weight: 3, arbitrary: stringFor(p.schema ?? {}, p.name, known).map(encodeLoosely) },
          { weight: 2, arbitrary: urlHostile },
        ),
      ),
    )
    .map((values) =>
      params.reduce((path, p, i) => path.replace(`{${p.name}}`, values[i]!), op.path),
    );
}

const HEADER_VALUES: Record<string, string[]> = {
  'if-match': ['"0"', '*', 'W/"1"'],
  'if-none-match': ['"0"', '*', 'W/"1"'],
  accept: ['application/x-ndjson', 'text/csv', '*/*', 'application/json', 'text/html'],
  'accept-encoding': ['gzip', 'br', 'identity;q=0', '*', 'gzip;q=0, deflate'],
  'last-event-id': ['0', '1', 'abc'],
};

function headersFor(op: Operation): fc.Arbitrary<Record<string, string>> {
  const documented = op.parameters
    .filter((p) => p.in === 'header' && p.name.toLowerCase() !== 'transactionid')
    .map((p) => p.name.toLowerCase());
  const names = [...new Set([...documented, 'transactionid', 'institutionid'])];
  return fc
    .tuple(
      ...names.map((name) =>
        fc.option(
          fc.oneof(
            {
              weight: 2,
              arbitrary:
                name === 'transactionid' || name === 'idempotency-key'
                  ? fc.uuid()
                  : name === 'institutionid'
                    ? fc.constantFrom(SANDBOX.institutionId, 'another-fi')
                    : fc.constantFrom(...(HEADER_VALUES[name] ?? ['x'])),
            },
            { weight: 1, arbitrary: headerHostile },
          ),
          { nil: undefined, freq: documented.includes(name) ? 2 : 4 },
        ),
      ),
    )
    .map((values) =>
      Object.fromEntries(
        names.flatMap((name, i) => (values[i] === undefined ? [] : [[name, values[i]]])),
      ),
    );
}

const b64url = (s: string) => Buffer.from(s).toString('base64url');
const GARBAGE_BEARER = [
  'Bearer',
  'Bearer ',
  'Bearer abc',
  'Bearer a.b.c',
  `Bearer ${b64url('{"alg":"none","typ":"at+jwt"}')}.${b64url('{"sub":"x","scope":"clients:admin"}')}.`,
  `Bearer ${b64url('{"alg":"ES256","kid":"../../etc/passwd"}')}.${b64url('{}')}.AAAA`,
  `Bearer ${b64url('{"alg":"HS256"}')}.${b64url('{"exp":1e309}')}.x`,
  `Bearer ${'A'.repeat(MAX_URL_OR_HEADER)}`,
  'Basic !!!',
  `Basic ${Buffer.from(':').toString('base64')}`,
  `Basic ${Buffer.from(`${SANDBOX.clientId}:wrong`).toString('base64')}`,
  `Basic ${Buffer.from('%00:%ED%A0%80').toString('base64')}`,
  `Basic ${Buffer.from('\u00ed\u00a0\u0080:x', 'latin1').toString('base64')}`,
  'Digest username="x"',
  '\u00ed\u00a0\u0080',
];

function authFor(op: Operation): fc.Arbitrary<Auth> {
  const options: fc.WeightedArbitrary<Auth>[] = [
    { weight: 6, arbitrary: fc.constant('app') },
    { weight: 1, arbitrary: fc.constant('none') },
    { weight: 1, arbitrary: fc.constant('garbage') },
  ];
  if (op.security === 'bearer' && op.service === 'customer')
    options.push({ weight: 2, arbitrary: fc.constant('customer') });
  if (op.path.startsWith('/admin/')) options.push({ weight: 4, arbitrary: fc.constant('admin') });
  return fc.oneof(...options);
}

function requestFor(op: Operation, known: Known): fc.Arbitrary<FuzzRequest> {
  return fc
    .record({
      path: pathFor(op, known),
      query: queryFor(op, known),
      headers: headersFor(op),
      body: bodyFor(op, known),
      auth: authFor(op),
      garbageAuth: fc.constantFrom(...GARBAGE_BEARER),
    })
    .map(({ path, query, headers, body, auth, garbageAuth }) => ({
      method: op.method,
      target: path + query,
      headers: {
        ...headers,
        ...(body.contentType !== undefined ? { 'content-type': body.contentType } : {}),
        ...(auth === 'garbage' ? { authorization: garbageAuth } : {}),
      },
      body: body.body,
      auth,
      shape: `${body.shape}, auth ${auth}`,
    }));
}

// ---------------------------------------------------------------------------------------------
// Sending and judging

const agent = new Agent({ keepAlive: true, maxSockets: 4 });

/** Sends a request as is (node:http keeps the target's bytes); reads an error answer whole. */
function send(base: string, req: FuzzRequest): Promise<Answer> {
  return new Promise((resolvePromise, reject) => {
    const url = new URL(base);
    const r = httpRequest(
      {
        host: url.hostname,
        port: url.port,
        method: req.method,
        path: req.target,
        headers: {
          ...req.headers,
          ...(req.body ? { 'content-length': String(req.body.length) } : {}),
        },
        agent,
        timeout: 20_000,
      },
      (res) => {
        const status = res.statusCode ?? 0;
        const contentType = String(res.headers['content-type'] ?? '');
        const chunks: Buffer[] = [];
        let size = 0;
        const done = () =>
          resolvePromise({ status, contentType, text: Buffer.concat(chunks).toString('utf8') });
        // A stream (SSE) or a large export: its status and headers are the answer.
        if (contentType.startsWith('text/event-stream') || status < 300) {
          res.destroy();
          done();
          return;
        }
        res.on('data', (chunk: Buffer) => {
          size += chunk.length;
          if (size <= 16 * MIB) chunks.push(chunk);
        });
        res.on('end', done);
        res.on('error', reject);
      },
    );
    r.on('timeout', () => r.destroy(new Error('no answer within 20 s')));
    r.on('error', reject);
    r.end(req.body);
  });
}

const OAUTH_ENDPOINTS = /^\/oauth2\/v1\/(token|introspect|revoke)(\?|$)/;

/** What is wrong with this answer, or undefined. */
function judge(op: Operation, res: Answer): string | undefined {
  if (res.status >= 500) return `answered ${res.status}`;
  if (res.status < 400) return undefined;
  let body: Record<string, unknown>;
  try {
    body = JSON.parse(res.text) as Record<string, unknown>;
  } catch {
    return `a ${res.status} whose body is not JSON`;
  }
  if (OAUTH_ENDPOINTS.test(op.path))
    return typeof body.error === 'string' ? undefined : `a ${res.status} without an RFC 6749 error`;
  if (!res.contentType.startsWith('application/problem+json'))
    return `a ${res.status} as ${res.contentType || 'no content type'}, not problem+json`;
  if (typeof body.code !== 'string' || body.status !== res.status)
    return `a ${res.status} problem without code or with status ${String(body.status)}`;
  return undefined;
}

const clip = (s: string, n = 300) =>
  s.length > n ? `${JSON.stringify(s.slice(0, n))}... (${s.length} chars)` : JSON.stringify(s);

function describeRequest(req: FuzzRequest): string {
  const headers = Object.entries(req.headers)
    .map(([k, v]) => `${k}: ${clip(v, 120)}`)
    .join('; ');
  const body = req.body
    ? `body ${clip(req.body.toString('utf8'))} (${req.body.length} bytes)`
    : 'no body';
  return `${req.method} ${clip(req.target, 400)} [${req.shape}] headers {${headers}} ${body}`;
}

// ---------------------------------------------------------------------------------------------

function operationsOf(service: Service, doc: Record<string, unknown>): Operation[] {
  const components = ((doc.components as Record<string, unknown> | undefined)?.schemas ??
    {}) as Record<string, Schema>;
  const ops: Operation[] = [];
  const paths = doc.paths as Record<string, Record<string, Record<string, unknown>>>;
  for (const [path, item] of Object.entries(paths)) {
    for (const [method, raw] of Object.entries(item)) {
      if (!['get', 'post', 'put', 'patch', 'delete'].includes(method)) continue;
      const content = (raw.requestBody as { content?: Record<string, { schema: Schema }> })
        ?.content;
      const [contentType, media] = Object.entries(content ?? {})[0] ?? [];
      const security = (raw.security as Record<string, unknown>[] | undefined) ?? [];
      ops.push({
        key: `${method.toUpperCase()} ${service} ${path}`,
        service,
        method: method.toUpperCase(),
        path,
        parameters: (raw.parameters as Parameter[] | undefined) ?? [],
        body: contentType && media ? { contentType, schema: media.schema } : undefined,
        security: security.some((s) => 'bearer' in s)
          ? 'bearer'
          : security.length > 0
            ? 'client'
            : 'none',
        components,
      });
    }
  }
  return ops;
}

describe('fuzz: every documented operation of every service', () => {
  let db: TestDatabase;
  let platform: LocalPlatform;
  let operations: Operation[];
  const known: Known = { customerId: '', clientId: '' };
  const tokens: Partial<Record<Auth, string>> = {};
  /** `operation status` -> answers. */
  const seen = new Map<string, number>();
  let sent = 0;

  const json = async (res: Response) => (await res.json()) as Record<string, unknown>;

  beforeAll(async () => {
    db = await createTestDatabase('fuzz');
    platform = await startLocalPlatform(db.url, {
      LOG_LEVEL: process.env.TEST_LOG_LEVEL ?? 'silent',
      // Throttles would turn most of the run into 429s: the fuzz wants the handlers.
      FAILED_AUTH_LIMIT: '100000',
      FAILED_AUTH_ADDRESS_LIMIT: '100000',
      FAILED_AUTH_CLIENT_LIMIT: '100000',
      PASSWORD_FAILURE_LIMIT: '100000',
      PASSWORD_FAILURE_CLIENT_LIMIT: '100000',
      REGISTRATION_LIMIT_PER_ADDRESS: '100000',
      REGISTRATION_LIMIT_PER_CLIENT: '100000',
    });
    const { auth, customer } = platform.urls;
    tokens.app = await clientToken(auth, SANDBOX);
    tokens.admin = await clientToken(
      auth,
      { clientId: 'platform-admin', clientSecret: platform.env.ADMIN_CLIENT_SECRET! },
      'clients:admin',
    );
    // A client of its own for the admin routes to rotate and disable.
    const created = await fetch(`${auth}/admin/v1/clients`, {
      method: 'POST',
      headers: { authorization: `Bearer ${tokens.admin}`, 'content-type': 'application/json' },
      body: JSON.stringify({
        institutionId: SANDBOX.institutionId,
        name: 'fuzz target',
        scopes: ['customers:read'],
        grantTypes: ['client_credentials'],
      }),
    });
    known.clientId = (await json(created)).clientId as string;
    // A customer, so that customer routes reach a real profile, and their own token.
    const bearer = { authorization: `Bearer ${tokens.app}` };
    const disclosures = (await json(
      await fetch(`${customer}/customers/v2/disclosures`, { headers: bearer }),
    )) as { disclosures: { disclosureId: string; version: string; inForce: boolean }[] };
    const inForce = disclosures.disclosures.filter((d) => d.inForce);
    known.disclosure = inForce[0];
    const loginId = 'fuzzer2026';
    const password = 'violet tractor sings at dawn';
    const registered = await fetch(`${customer}/customers/v2/registrations`, {
      method: 'POST',
      headers: { ...bearer, 'content-type': 'application/json' },
      body: JSON.stringify({
        loginId,
        password,
        userType: 'RETAIL',
        person: {
          firstName: 'Fuzz',
          lastName: 'Tester',
          birthDate: '1990-04-17',
          ssn: '536-22-4785',
          emailAddress: 'fuzz@example.com',
          phoneNumber: '(202) 555-0143',
          postalAddress: {
            address1: '100 Main Street',
            city: 'Springfield',
            state: 'IL',
            postalCode: '62701',
            country: 'US',
          },
        },
        acceptedDisclosures: inForce.map(({ disclosureId, version }) => ({
          disclosureId,
          version,
        })),
      }),
    });
    const profile = await json(registered);
    if (registered.status !== 201) throw new Error(`registration: ${JSON.stringify(profile)}`);
    known.customerId = profile.customerId as string;
    const grant = await postForm(
      `${auth}/oauth2/v1/token`,
      { grant_type: 'password', username: loginId, password },
      { basic: SANDBOX },
    );
    tokens.customer = grant.body.access_token as string;

    const docs = await openApiDocuments(platform);
    operations = (['auth', 'customer', 'activity'] as const)
      .flatMap((service) => operationsOf(service, docs[service]))
      .filter((op) => ONLY_OP === undefined || op.key === ONLY_OP);
  }, 60_000);

  afterAll(async () => {
    agent.destroy();
    await platform?.close();
    await db?.drop();
  });

  it('reads every operation from the three OpenAPI documents', () => {
    const keys = operations.map((op) => op.key);
    if (ONLY_OP === undefined) {
      expect(keys.length).toBeGreaterThanOrEqual(30);
      for (const key of [
        'POST auth /oauth2/v1/token',
        'POST customer /customers/v2/registrations',
        'PATCH customer /customers/v2/customers/{customerId}',
        'POST activity /data-apis/v1/banking-activities',
        'GET activity /data-apis/v1/banking-activities/stream',
      ])
        expect(keys).toContain(key);
    } else {
      expect(keys).toEqual([ONLY_OP]);
    }
  });

  it('answers no hostile request with a 5xx, and every 4xx in the contract shape', async () => {
    const failures: string[] = [];
    for (const [index, op] of operations.entries()) {
      const base = platform.urls[op.service];
      const seed = BASE_SEED + index;
      let report = '';
      try {
        await fc.assert(
          fc.asyncProperty(requestFor(op, known), async (req) => {
            const withAuth: FuzzRequest = { ...req, headers: { ...req.headers } };
            const token = tokens[req.auth];
            if (token) withAuth.headers.authorization = `Bearer ${token}`;
            if (req.auth === 'app' && op.security === 'client')
              withAuth.headers.authorization = `Basic ${Buffer.from(
                `${SANDBOX.clientId}:${SANDBOX.clientSecret}`,
              ).toString('base64')}`;
            sent++;
            let res: Answer;
            try {
              res = await send(base, withAuth);
            } catch (err) {
              report = `${describeRequest(withAuth)} -> ${(err as Error).message}`;
              throw err;
            }
            const key = `${op.key} ${res.status}`;
            seen.set(key, (seen.get(key) ?? 0) + 1);
            const wrong = judge(op, res);
            if (wrong) {
              report = `${describeRequest(withAuth)} -> ${wrong}: ${clip(res.text, 600)}`;
              throw new Error(wrong);
            }
          }),
          {
            numRuns: RUNS,
            seed,
            ...(REPLAY_PATH ? { path: REPLAY_PATH } : {}),
            endOnFailure: true,
            reporter: (details) => {
              if (!details.failed) return;
              throw new Error(
                `${op.key}: ${report || String(details.errorInstance)}\n` +
                  `  reproduce: FUZZ_SEED=${BASE_SEED} FUZZ_OP='${op.key}' ` +
                  `FUZZ_PATH=${details.counterexamplePath ?? ''} (seed ${details.seed})`,
              );
            },
          },
        );
      } catch (err) {
        failures.push((err as Error).message);
      }
    }
    const statuses = [...seen.keys()].sort();
    console.log(
      `fuzz: ${operations.length} operations, ${sent} requests, seed ${BASE_SEED}, ` +
        `${RUNS} runs each; (operation, status) seen:\n  ${statuses.join('\n  ')}`,
    );
    expect(failures).toEqual([]);
    expect(sent).toBeGreaterThanOrEqual(operations.length * Math.min(RUNS, 1));
  }, 240_000);

  it('reached every operation with input it refused (at least one 4xx each)', () => {
    const without4xx = operations
      .map((op) => op.key)
      .filter((key) => ![...seen.keys()].some((s) => s.startsWith(`${key} 4`)));
    expect(without4xx).toEqual([]);
  });

  it('still answers /health/ready 200 on every service afterwards', async () => {
    for (const url of Object.values(platform.urls)) {
      const res = await fetch(`${url}/health/ready`);
      expect(res.status).toBe(200);
    }
  });
});

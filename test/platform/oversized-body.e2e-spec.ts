import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { startLocalPlatform, type LocalPlatform } from '../../scripts/local-platform';
import { createTestDatabase, type TestDatabase } from '../support/database';

/**
 * Each case is sent this many times. Before the fix, 20 tries reset the connection of the
 * Fastify services in 10-15 of 20 at 4x over with Content-Length and 1-9 of 20 chunked.
 */
const TRIES = 20;
const MIB = 1_048_576;
const FORM_LIMIT = 16_384;
/** Smaller than the default 16 MiB so that 4x over stays quick; the same code path. */
const BATCH_LIMIT = 2 * MIB;

interface Target {
  name: string;
  url: () => string;
  contentType: string;
  limit: number;
  /** The media type and members of the answer: problem+json, or RFC 6749 JSON for OAuth. */
  type: RegExp;
  expected: Record<string, unknown>;
}

const run = promisify(execFile);

const PROBLEM = { status: 413, code: 'PAYLOAD_TOO_LARGE' };

/**
 * The client, in a process of its own as a real one is: in this process the services' event loop
 * would only run between the client's steps, which hides the race (the client reading the answer
 * before the reset arrives). Sends `tries` bodies of `size` bytes with Node's fetch, with
 * Content-Length or chunked (a ReadableStream, `duplex: 'half'`), and prints each outcome:
 * the status and the JSON body, or the error that ended the connection.
 */
const CLIENT = `
const { url, contentType, size, streamed, tries } = JSON.parse(process.argv[1]);
const head = contentType.includes('form') ? 'grant_type=client_credentials&scope=' : '{"x":"';
const tail = contentType.includes('form') ? '' : '"}';
const body = Buffer.from(head + 'x'.repeat(size - head.length - tail.length) + tail);
const chunked = () => {
  let offset = 0;
  return new ReadableStream({
    pull(controller) {
      if (offset >= body.length) return controller.close();
      controller.enqueue(body.subarray(offset, offset + 65536));
      offset += 65536;
    },
  });
};
(async () => {
  const outcomes = [];
  for (let i = 0; i < tries; i++) {
    try {
      const res = await fetch(url, {
        method: 'POST',
        headers: { 'content-type': contentType },
        body: streamed ? chunked() : body,
        ...(streamed ? { duplex: 'half' } : {}),
      });
      const text = await res.text();
      let json = null;
      try { json = JSON.parse(text); } catch {}
      outcomes.push({ status: res.status, type: res.headers.get('content-type'), body: json ?? text });
    } catch (err) {
      outcomes.push({ failed: String(err.cause?.code ?? err.cause?.message ?? err.message) });
    }
  }
  process.stdout.write(JSON.stringify(outcomes));
})();
`;

interface Outcome {
  status?: number;
  type?: string;
  body?: unknown;
  failed?: string;
}

async function send(
  target: Target,
  size: number,
  streamed: boolean,
  tries: number,
): Promise<Outcome[]> {
  const spec = { url: target.url(), contentType: target.contentType, size, streamed, tries };
  const { stdout } = await run(process.execPath, ['-e', CLIENT, JSON.stringify(spec)], {
    maxBuffer: 16 * MIB,
  });
  return JSON.parse(stdout) as Outcome[];
}

describe('an oversized body gets its 413 and its error body, never a reset connection', () => {
  let db: TestDatabase;
  let platform: LocalPlatform;

  beforeAll(async () => {
    db = await createTestDatabase('oversized_body');
    platform = await startLocalPlatform(db.url, {
      ACTIVITY_BATCH_BODY_LIMIT_BYTES: String(BATCH_LIMIT),
    });
  });
  afterAll(async () => {
    await platform?.close();
    await db?.drop();
  });

  const targets: Target[] = [
    {
      name: 'customer-service (Express JSON)',
      url: () => `${platform.urls.customer}/customers/v2/registrations`,
      contentType: 'application/json',
      limit: MIB,
      type: /^application\/problem\+json/,
      expected: PROBLEM,
    },
    {
      name: 'activity-service search',
      url: () => `${platform.urls.activity}/data-apis/v1/banking-activities`,
      contentType: 'application/json',
      limit: MIB,
      type: /^application\/problem\+json/,
      expected: { ...PROBLEM, errorCode: 'BAS_10006' },
    },
    {
      name: 'activity-service batch',
      url: () => `${platform.urls.activity}/data-apis/v1/banking-activities/batch`,
      contentType: 'application/json',
      limit: BATCH_LIMIT,
      type: /^application\/problem\+json/,
      expected: { ...PROBLEM, errorCode: 'BAS_10006' },
    },
    {
      name: 'auth-server admin API (Fastify JSON)',
      url: () => `${platform.urls.auth}/admin/v1/clients`,
      contentType: 'application/json',
      limit: MIB,
      type: /^application\/problem\+json/,
      expected: PROBLEM,
    },
    {
      name: 'auth-server token endpoint (form)',
      url: () => `${platform.urls.auth}/oauth2/v1/token`,
      contentType: 'application/x-www-form-urlencoded',
      limit: FORM_LIMIT,
      type: /^application\/json/,
      expected: { error: 'invalid_request' },
    },
  ];

  describe.each(targets)('$name', (target) => {
    it.each([
      ['just over the limit, with Content-Length', 1.15, false],
      ['4x over the limit, with Content-Length', 4, false],
      ['just over the limit, chunked', 1.15, true],
      ['4x over the limit, chunked', 4, true],
    ])('%s: 413 and its error body, every time', async (_label, factor, streamed) => {
      const outcomes = await send(target, Math.ceil(target.limit * factor), streamed, TRIES);
      const failures = outcomes.filter(
        (o) =>
          o.status !== 413 ||
          !target.type.test(o.type ?? '') ||
          !Object.entries(target.expected).every(
            ([k, v]) => (o.body as Record<string, unknown>)[k] === v,
          ),
      );
      expect(failures).toEqual([]);
      expect(outcomes).toHaveLength(TRIES);
    });
  });
});

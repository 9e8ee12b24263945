import { randomUUID } from 'node:crypto';
import fc from 'fast-check';
import type { Pool } from 'pg';
import { inlineSql, openCopyOut } from '../../apps/activity-service/src/common/copy-out';
import { SqlParams } from '../../apps/activity-service/src/common/sql-params';
import {
  copyLineChunks,
  eventColumnsSql,
  lineFields,
  lineWriter,
} from '../../apps/activity-service/src/export/event-lines';
import { csvLine } from '../../apps/activity-service/src/export/export.format';
import { itemSql } from '../../apps/activity-service/src/search/search.sql';
import { createActivityPool } from '../../apps/activity-service/src/storage/activity-database';
import { prepareActivitySchema } from '../../scripts/seed-activity';
import { createTestDatabase, type TestDatabase } from '../support/database';

const DAY = 86_400_000;

/** Any text PostgreSQL can store (no NUL), weighted towards what JSON must escape. */
const text = fc.oneof(
  fc.string({ unit: 'binary', maxLength: 30 }).map((s) => s.replace(/\0/g, '')),
  fc
    .array(
      fc.constantFrom(
        '"',
        '\\',
        '\n',
        '\r',
        '\t',
        '\b',
        '\f',
        '\u0001',
        '\u001f',
        '\u007f',
        '\u2028',
        'é',
        '😀',
        '/',
        '<',
        'a',
      ),
      { maxLength: 12 },
    )
    .map((cs) => cs.join('')),
);

/**
 * The export's and delivery files' NDJSON lines (export/event-lines.ts, built in the service)
 * must be byte for byte what PostgreSQL built before (search.sql.ts itemSql, which search pages
 * still use): same members in the same order, PostgreSQL's string escaping, the attributes'
 * jsonb text. Checked on real PostgreSQL with generated events, nasty strings included.
 */
describe('event lines: the service-built NDJSON equals the PostgreSQL-built item (e2e)', () => {
  let db: TestDatabase;
  let pool: Pool;

  beforeAll(async () => {
    db = await createTestDatabase('event_lines');
    const now = Date.now();
    await prepareActivitySchema(db.url, new Date(now - 2 * DAY), new Date(now + DAY));
    pool = createActivityPool({ url: db.url, max: 2, statementTimeoutMs: 0, applicationName: 't' });
  });

  afterAll(async () => {
    await pool?.end();
    await db?.drop();
  });

  const event = fc.record({
    eventId: text.filter((s) => s.length > 0),
    ms: fc.integer({ min: 0, max: DAY - 1 }),
    userType: fc.option(fc.constantFrom('retail', 'business'), { nil: null }),
    loginId: text,
    customerId: fc.option(text, { nil: null }),
    companyId: fc.option(text, { nil: null }),
    accountType: fc.option(text, { nil: null }),
    channel: fc.option(text, { nil: null }),
    ipAddress: fc.option(text, { nil: null }),
    // Catalogue attributes (so requestedAttributes can name them) and any other names.
    attributes: fc.dictionary(
      fc.oneof(text, fc.constantFrom('amount', 'reason', 'clientId')),
      fc.jsonValue({ maxDepth: 2 }),
      { maxKeys: 4 },
    ),
  });

  it('matches for every generated event, with and without requestedAttributes', async () => {
    const events = fc.sample(event, { numRuns: 400, seed: 1130 });
    const fi = `fi-${randomUUID()}`;
    const base = Date.now() - DAY;
    await pool.query(
      `INSERT INTO activity.events (seq, guid, institution_id, event_id, occurred_at, user_type,
         login_id, customer_id, company_id, account_type, channel, ip_address, attributes)
       SELECT r.i, gen_random_uuid(), $1, r.event_id, r.at, r.user_type, r.login_id, r.customer_id,
              r.company_id, r.account_type, r.channel, r.ip_address, r.attributes
         FROM unnest($2::int[], $3::text[], $4::timestamptz[], $5::text[], $6::text[], $7::text[],
                     $8::text[], $9::text[], $10::text[], $11::text[], $12::jsonb[])
           AS r(i, event_id, at, user_type, login_id, customer_id, company_id, account_type, channel,
                ip_address, attributes)`,
      [
        fi,
        events.map((_, i) => i + 1),
        events.map((e) => e.eventId),
        events.map((e) => new Date(base + e.ms).toISOString()),
        events.map((e) => e.userType),
        events.map((e) => e.loginId),
        events.map((e) => e.customerId),
        events.map((e) => e.companyId),
        events.map((e) => e.accountType),
        events.map((e) => e.channel),
        events.map((e) => e.ipAddress),
        events.map((e) => JSON.stringify(e.attributes)),
      ],
    );
    for (const requested of [null, ['loginId', 'ipAddress', 'amount', 'reason', 'clientId']]) {
      const params = new SqlParams();
      const fiParam = params.add(fi, 'text');
      const item = itemSql(requested, params);
      const columns = eventColumnsSql(requested, 'ndjson', params);
      const { rows } = await pool.query<string[]>({
        text: `SELECT ${item}, ${columns} FROM activity.events e WHERE e.institution_id = ${fiParam} ORDER BY e.seq`,
        values: params.values,
        rowMode: 'array',
      });
      expect(rows).toHaveLength(events.length);
      const write = lineWriter(requested, 'ndjson');
      for (const [expected, ...cells] of rows) expect(write(cells)).toBe(expected);
      // The export's path: the same columns through COPY ... TO STDOUT, lines from its bytes.
      expect(await copied(fi, requested, 'ndjson')).toBe(rows.map((r) => `${r[0]}\n`).join(''));
      // The sample has what the comparison is about: attributes, and values needing escapes.
      const lines = rows.map((r) => r[0]!);
      expect(lines.some((l) => /"(amount|reason|clientId)":[^n]/.test(l))).toBe(true);
      expect(lines.some((l) => l.includes('\\u00'))).toBe(true);
      // CSV through COPY: the cells PostgreSQL sends as rows, written by csvLine.
      const csv = new SqlParams();
      const csvFi = csv.add(fi, 'text');
      const { rows: cells } = await pool.query<(string | null)[]>({
        text: `SELECT ${eventColumnsSql(requested, 'csv', csv)} FROM activity.events e WHERE e.institution_id = ${csvFi} ORDER BY e.seq`,
        values: csv.values,
        rowMode: 'array',
      });
      expect(await copied(fi, requested, 'csv')).toBe(
        [csvLine(lineFields(requested)), ...cells.map(csvLine)].join('\n') + '\n',
      );
    }
  });

  /** The FI's events as the export writes them from COPY. */
  async function copied(
    fi: string,
    requested: string[] | null,
    format: 'ndjson' | 'csv',
  ): Promise<string> {
    const params = new SqlParams();
    const columns = eventColumnsSql(requested, format, params);
    const text = `SELECT ${columns} FROM activity.events e WHERE e.institution_id = ${params.add(fi, 'text')} ORDER BY e.seq`;
    const copy = await openCopyOut(pool, { text, values: params.values });
    try {
      const out: Buffer[] = [];
      for await (const c of copyLineChunks(copy.chunks, format, requested)) out.push(c);
      return Buffer.concat(out).toString('utf8');
    } finally {
      copy.close();
    }
  }

  it('inlines values as literals PostgreSQL reads as it reads them bound', async () => {
    const value = fc.oneof(
      text,
      fc.constantFrom("it's", 'a\\b', "\\'; DROP TABLE activity.events; --", '$1', 'é😀', ''),
    );
    const cases = fc.sample(
      fc.oneof(
        value.map((v) => ({ v: v as unknown, cast: 'text' })),
        fc.array(value, { maxLength: 4 }).map((v) => ({ v: v as unknown, cast: 'text[]' })),
        fc.double({ noNaN: true, noDefaultInfinity: true }).map((v) => ({ v, cast: 'numeric' })),
        fc.array(fc.integer(), { maxLength: 3 }).map((v) => ({ v, cast: 'numeric[]' })),
        fc.boolean().map((v) => ({ v, cast: 'boolean' })),
        fc.jsonValue().map((v) => ({ v: JSON.stringify(v), cast: 'jsonb' })),
        fc.constant({ v: null, cast: 'text' }),
      ),
      { numRuns: 300, seed: 1201 },
    );
    for (const { v, cast } of cases) {
      const sql = { text: `SELECT $1::${cast} AS x`, values: [v] };
      const bound = await pool.query<{ x: unknown }>(sql);
      const inlined = await pool.query<{ x: unknown }>(inlineSql(sql));
      expect(inlined.rows[0]!.x).toEqual(bound.rows[0]!.x);
    }
    // A stray $ is refused rather than guessed at.
    expect(() => inlineSql({ text: `SELECT '$1' || $1::text`, values: ['x'] })).toThrow();
  });

  it('gives the connection back once a copy is read, and closes one left mid-copy', async () => {
    const done = await openCopyOut(pool, { text: 'SELECT 1', values: [] });
    for await (const chunk of done.chunks) expect(chunk.toString()).toBe('1\n');
    done.close();
    const left = await openCopyOut(pool, {
      text: 'SELECT g FROM generate_series(1, 1000000) g',
      values: [],
    });
    for await (const chunk of left.chunks) {
      expect(chunk.length).toBeGreaterThan(0);
      break;
    }
    left.close();
    // The pool still answers (the abandoned copy's connection was closed, not reused).
    expect((await pool.query('SELECT 2 AS n')).rows[0].n).toBe(2);
  });

  it('reports an error of the query to the reader', async () => {
    const copy = await openCopyOut(pool, { text: 'SELECT 1 / 0', values: [] });
    const read = async () => {
      for await (const chunk of copy.chunks) expect(chunk).toBeUndefined();
    };
    await expect(read()).rejects.toThrow(/division by zero/);
    copy.close();
    expect((await pool.query('SELECT 3 AS n')).rows[0].n).toBe(3);
  });
});

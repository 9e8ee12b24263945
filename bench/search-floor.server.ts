/**
 * The floor of the search comparison (`npm run bench:activity -- --only search --floor`): a
 * bare node:http server in a process of its own, as the service is, with no framework, no
 * authentication, no request log and no metrics. It runs the service's own compiled page
 * statement on a pool set up as the service's search pool (generic plans) and answers the page
 * as the service does (one string around the items; no page token is signed). What it adds to
 * the SQL is the extra process and loopback hop alone, so the service's ratio can be read
 * against it.
 *
 * Env: FLOOR_DATABASE_URL (the bench's database), FLOOR_PORT, FLOOR_INSTITUTION.
 */
import { createServer } from 'node:http';
import { parseSearchRequest } from '../apps/activity-service/src/search/search.query';
import { compileSearchPage } from '../apps/activity-service/src/search/search.sql';
import { createActivityPool } from '../apps/activity-service/src/storage/activity-database';

const pool = createActivityPool({
  url: process.env.FLOOR_DATABASE_URL!,
  max: 4,
  statementTimeoutMs: 0,
  applicationName: 'bench-floor',
  genericPlans: true,
});
pool.on('error', () => undefined);
const institutionId = process.env.FLOOR_INSTITUTION!;

const server = createServer((req, res) => {
  if (req.method === 'GET') {
    res.writeHead(req.url === '/health/ready' ? 200 : 404).end();
    return;
  }
  const chunks: Buffer[] = [];
  req.on('data', (c: Buffer) => chunks.push(c));
  req.on('end', () => {
    const q = parseSearchRequest(JSON.parse(Buffer.concat(chunks).toString('utf8')), {
      institutionId,
      now: Date.now(),
      maxLookbackDays: 93,
      mode: 'search',
    });
    const page = compileSearchPage(q, null);
    pool
      .query<{ rows: number; items: string | null }>({
        name: page.name,
        text: page.text,
        values: page.values,
      })
      .then(({ rows: [row] }) => {
        if (!row || row.rows === 0 || row.items === null) {
          res.writeHead(204).end();
          return;
        }
        const count = Math.min(row.rows, q.pageSize);
        res
          .writeHead(200, { 'content-type': 'application/json; charset=utf-8' })
          .end(`{"nextPageToken":null,"count":${count},"bankingActivities":[${row.items}]}`);
      })
      .catch((err: unknown) => res.writeHead(500).end(String(err)));
  });
});
server.listen(Number(process.env.FLOOR_PORT), '127.0.0.1');

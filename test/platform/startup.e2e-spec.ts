import { randomBytes } from 'node:crypto';
import { once } from 'node:events';
import { connect, createServer, type Server } from 'node:net';
import { Client } from 'pg';
import { ActivityServiceModule } from '../../apps/activity-service/src/app.module';
import { activityServiceOptions } from '../../apps/activity-service/src/main';
import { freePort } from '../../scripts/embedded-postgres';
import { eventually } from '../support/customer-platform';
import { createTestDatabase, type TestDatabase } from '../support/database';
import { baseEnv, startApp, startAuthServer } from '../support/platform';

describe('service start and shutdown', () => {
  let db: TestDatabase;
  let blocker: Server;

  beforeAll(async () => {
    db = await createTestDatabase('startup');
  });
  afterAll(async () => {
    await new Promise((r) => blocker?.close(r));
    await db?.drop();
  });

  it('fails to start and leaves no database session, poller or listener behind', async () => {
    const port = await freePort();
    blocker = createServer();
    await new Promise<void>((r) => blocker.listen(port, '0.0.0.0', r));
    const env = baseEnv(db, {
      AUTH_ISSUER: 'http://127.0.0.1:9',
      AUTH_INTERNAL_URL: 'http://127.0.0.1:9',
      ACTIVITY_PAGE_TOKEN_KEY: randomBytes(32).toString('base64url'),
    });

    await expect(
      startApp(ActivityServiceModule, activityServiceOptions, env, port),
    ).rejects.toThrow(/EADDRINUSE/);

    // The activity-service holds pools and a LISTEN connection once initialised; all are gone.
    const sql = new Client({ connectionString: db.url });
    await sql.connect();
    try {
      const others = async () =>
        Number(
          (
            await sql.query<{ n: string }>(
              'SELECT count(*) AS n FROM pg_stat_activity WHERE datname = current_database() AND pid <> pg_backend_pid()',
            )
          ).rows[0]!.n,
        );
      expect(await eventually(async () => (await others()) === 0, 'sessions to end', 5_000)).toBe(
        true,
      );
    } finally {
      await sql.end();
    }
  });

  it('shuts down with a keep-alive connection whose request finished during the shutdown', async () => {
    const auth = await startAuthServer(db);
    // Fastify's node server emits 'request' once a request's headers are read.
    const received = once(auth.app.getHttpServer() as NodeJS.EventEmitter, 'request');
    const socket = connect(Number(new URL(auth.url).port), '127.0.0.1');
    await once(socket, 'connect');
    let answer = '';
    socket.on('data', (chunk: Buffer) => (answer += chunk.toString('latin1')));
    const form = 'grant_type=client_credentials';
    socket.write(
      'POST /oauth2/v1/token HTTP/1.1\r\nHost: localhost\r\nConnection: keep-alive\r\n' +
        `Content-Type: application/x-www-form-urlencoded\r\nContent-Length: ${form.length}\r\n\r\n`,
    );
    // The request is under way (headers read, body pending) when the shutdown starts.
    await received;
    const closed = once(socket, 'close');
    const shutdown = auth.close();
    socket.write(form);

    // Liveness, not speed: without draining, the server would wait out the keep-alive timeout.
    const stuck = new Promise((r) => setTimeout(() => r('stuck'), 20_000).unref());
    expect(await Promise.race([Promise.all([shutdown, closed]).then(() => 'done'), stuck])).toBe(
      'done',
    );
    expect(answer).toMatch(/^HTTP\/1\.1 401 /);
  });
});

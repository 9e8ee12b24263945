import { Controller, Get, Module } from '@nestjs/common';
import {
  bootstrap,
  CommonEnv,
  ConfigError,
  IsPortSetting,
  PlatformModule,
  type RunningService,
} from '@app/common';
import { AuthServerModule } from '../../apps/auth-server/src/app.module';
import { authServerOptions } from '../../apps/auth-server/src/main';
import { freePort } from '../../scripts/embedded-postgres';
import { createTestDatabase, type TestDatabase } from '../support/database';
import { baseEnv } from '../support/platform';

class ProbeEnv extends CommonEnv {
  @IsPortSetting()
  PROBE_PORT = 0;
}

/** Answers with the settings its service was configured with. */
@Controller('settings')
class SettingsController {
  constructor(private readonly env: ProbeEnv) {}

  @Get()
  read(): Record<string, unknown> {
    return { audience: this.env.AUTH_AUDIENCE, bodyLimit: this.env.BODY_LIMIT_BYTES };
  }
}

@Module({
  imports: [
    PlatformModule.forRoot({
      service: 'probe',
      env: ProbeEnv,
      database: { schema: 'probe', entities: [], migrations: [] },
    }),
  ],
  controllers: [SettingsController],
})
class ProbeModule {}

const probeOptions = { title: 'probe', description: 'config probe', portEnv: 'PROBE_PORT' };

/** Services started in this process take their config from the record they are given. */
describe('config source: bootstrap({ env }) instead of process.env', () => {
  let db: TestDatabase;
  const running: RunningService[] = [];

  /** Starts the probe on `port` (any free port by default; undefined: its PROBE_PORT). */
  const start = async (env: Record<string, string>, port: { port?: number } = { port: 0 }) => {
    const service = await bootstrap(ProbeModule, { ...probeOptions, env, ...port });
    running.push(service);
    return service;
  };

  beforeAll(async () => {
    db = await createTestDatabase('config_source');
  });
  afterAll(async () => {
    await Promise.all(running.map((s) => s.app.close()));
    await db?.drop();
  });

  it('gives two services of one process the config of their own source', async () => {
    const before = { ...process.env };
    const one = await start(baseEnv(db, { AUTH_AUDIENCE: 'audience-one' }));
    const two = await start(
      baseEnv(db, { AUTH_AUDIENCE: 'audience-two', BODY_LIMIT_BYTES: '2048' }),
    );

    expect(one.app.get(CommonEnv).AUTH_AUDIENCE).toBe('audience-one');
    expect(two.app.get(CommonEnv).AUTH_AUDIENCE).toBe('audience-two');
    expect(await (await fetch(`${one.url}/settings`)).json()).toEqual({
      audience: 'audience-one',
      bodyLimit: 1_048_576,
    });
    expect(await (await fetch(`${two.url}/settings`)).json()).toEqual({
      audience: 'audience-two',
      bodyLimit: 2048,
    });
    // Nothing was written to the process environment.
    expect(process.env).toEqual(before);
  });

  it('listens on the port and HOST of its config', async () => {
    const port = await freePort();
    const service = await start(baseEnv(db, { PROBE_PORT: String(port), HOST: '127.0.0.1' }), {});
    expect(service.port).toBe(port);
    expect(service.app.getHttpServer().address()).toMatchObject({ address: '127.0.0.1', port });
    expect((await fetch(`http://127.0.0.1:${port}/health/live`)).status).toBe(200);
  });

  it('refuses to start with every problem listed: AUTH_PORT=abc, a bad HOST', async () => {
    const env = baseEnv(db, { AUTH_PORT: 'abc', HOST: 'not a host' });
    const failure = bootstrap(AuthServerModule, { ...authServerOptions, env }).then(
      (service) => {
        running.push(service);
        throw new Error('the auth-server started');
      },
      (err: unknown) => err,
    );
    const err = await failure;
    expect(err).toBeInstanceOf(ConfigError);
    expect([...(err as ConfigError).problems].sort()).toEqual([
      'AUTH_PORT: AUTH_PORT must be a port number (an integer 0-65535)',
      'HOST: HOST must be an IP address or a host name',
    ]);
  });

  describe('docs', () => {
    const docs = async (url: string) => ({
      ui: (await fetch(`${url}/docs`)).status,
      json: (await fetch(`${url}/docs-json`)).status,
    });

    it('serves /docs and /docs-json outside production', async () => {
      const service = await start(baseEnv(db));
      expect(await docs(service.url)).toEqual({ ui: 200, json: 200 });
    });

    it('answers 404 for them in production, and when DOCS_ENABLED=false', async () => {
      const production = await start(baseEnv(db, { NODE_ENV: 'production' }));
      expect(await docs(production.url)).toEqual({ ui: 404, json: 404 });
      const disabled = await start(baseEnv(db, { DOCS_ENABLED: 'false' }));
      expect(await docs(disabled.url)).toEqual({ ui: 404, json: 404 });
      // The rest of the service still answers.
      expect((await fetch(`${production.url}/settings`)).status).toBe(200);
    });

    it('serves them in production when DOCS_ENABLED=true', async () => {
      const service = await start(baseEnv(db, { NODE_ENV: 'production', DOCS_ENABLED: 'true' }));
      expect(await docs(service.url)).toEqual({ ui: 200, json: 200 });
    });
  });
});

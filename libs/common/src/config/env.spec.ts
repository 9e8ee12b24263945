import { IsInt, Min } from 'class-validator';
import { CommonEnv, ConfigError, IsPortSetting, loadEnv, toInt } from './env';

class SampleEnv extends CommonEnv {
  @toInt()
  @IsInt()
  @Min(1)
  WORKERS = 2;

  @IsPortSetting()
  SAMPLE_PORT = 3009;
}

/** The problems loadEnv lists for `source`, or [] when it loads. */
function problemsOf(source: Record<string, string>): string[] {
  try {
    loadEnv(SampleEnv, { DATABASE_URL: 'postgres://u:p@localhost:5432/db', ...source });
    return [];
  } catch (err) {
    if (!(err instanceof ConfigError)) throw err;
    return err.problems;
  }
}

describe('loadEnv', () => {
  const base = { DATABASE_URL: 'postgres://u:p@localhost:5432/db' };

  it('applies defaults and converts numbers', () => {
    const env = loadEnv(SampleEnv, { ...base, WORKERS: '8' });
    expect(env.WORKERS).toBe(8);
    expect(env.LOG_LEVEL).toBe('info');
    expect(env.authInternalUrl).toBe('http://localhost:3001');
  });

  it('treats empty variables as unset', () => {
    expect(loadEnv(SampleEnv, { ...base, WORKERS: '' }).WORKERS).toBe(2);
  });

  it('lists every problem at once', () => {
    try {
      loadEnv(SampleEnv, { DATABASE_URL: 'mysql://x', WORKERS: '0', LOG_LEVEL: 'loud' });
      throw new Error('expected ConfigError');
    } catch (err) {
      expect(err).toBeInstanceOf(ConfigError);
      const problems = (err as ConfigError).problems.join('\n');
      expect(problems).toContain('DATABASE_URL');
      expect(problems).toContain('WORKERS');
      expect(problems).toContain('LOG_LEVEL');
    }
  });

  it('keeps the revocation poll under the contract 5 s', () => {
    expect(() => loadEnv(SampleEnv, { ...base, REVOCATION_POLL_MS: '6000' })).toThrow(ConfigError);
  });

  it('reads a port setting, its default when unset, and lists one that is not a port', () => {
    expect(loadEnv(SampleEnv, { ...base }).SAMPLE_PORT).toBe(3009);
    expect(loadEnv(SampleEnv, { ...base, SAMPLE_PORT: '8080' }).SAMPLE_PORT).toBe(8080);
    expect(loadEnv(SampleEnv, { ...base, SAMPLE_PORT: '0' }).SAMPLE_PORT).toBe(0);
    for (const bad of ['abc', '3001abc', '65536', '-1', '80.5', ' 80']) {
      expect(problemsOf({ SAMPLE_PORT: bad })).toEqual([
        'SAMPLE_PORT: SAMPLE_PORT must be a port number (an integer 0-65535)',
      ]);
    }
  });

  it('reads HOST, 0.0.0.0 by default, and lists a value that is no address or host name', () => {
    expect(loadEnv(SampleEnv, base).HOST).toBe('0.0.0.0');
    for (const good of ['127.0.0.1', '::', '::1', 'localhost', 'auth-server', 'api.example.com']) {
      expect(loadEnv(SampleEnv, { ...base, HOST: good }).HOST).toBe(good);
    }
    for (const bad of ['not a host', 'http://localhost', 'localhost:3001', '300.1.2.3.4', '-x']) {
      expect(problemsOf({ HOST: bad })).toEqual([
        'HOST: HOST must be an IP address or a host name',
      ]);
    }
  });

  it('lists a bad port and a bad HOST together with the other problems', () => {
    const problems = problemsOf({ SAMPLE_PORT: 'abc', HOST: 'not a host', LOG_LEVEL: 'loud' });
    expect(problems.map((p) => p.split(':')[0]).sort()).toEqual([
      'HOST',
      'LOG_LEVEL',
      'SAMPLE_PORT',
    ]);
  });

  it('serves the docs outside production, and in production only when DOCS_ENABLED', () => {
    expect(loadEnv(SampleEnv, base).docsEnabled).toBe(true);
    expect(loadEnv(SampleEnv, { ...base, NODE_ENV: 'test' }).docsEnabled).toBe(true);
    expect(loadEnv(SampleEnv, { ...base, DOCS_ENABLED: 'false' }).docsEnabled).toBe(false);
    expect(loadEnv(SampleEnv, { ...base, NODE_ENV: 'production' }).docsEnabled).toBe(false);
    expect(
      loadEnv(SampleEnv, { ...base, NODE_ENV: 'production', DOCS_ENABLED: 'true' }).docsEnabled,
    ).toBe(true);
  });

  it('reads only the source it is given', () => {
    const key = 'SAMPLE_PORT';
    expect(process.env[key]).toBeUndefined();
    expect(loadEnv(SampleEnv, { ...base, [key]: '4001' }).SAMPLE_PORT).toBe(4001);
    expect(loadEnv(SampleEnv, { ...base, [key]: '4002' }).SAMPLE_PORT).toBe(4002);
    expect(process.env[key]).toBeUndefined();
  });
});

import { ConfigError } from './env';
import { reportStartupFailure } from './startup-failure';

describe('reportStartupFailure', () => {
  const configError = new ConfigError([
    'AUTH_PORT: AUTH_PORT must be a port number (an integer 0-65535)',
    'DATABASE_URL: DATABASE_URL must be a postgres:// URL',
  ]);

  const report = (err: unknown, NODE_ENV?: string): string => {
    let out = '';
    reportStartupFailure('auth-server', err, {
      source: { NODE_ENV },
      write: (text) => (out += text),
    });
    return out;
  };

  it('writes one JSON line per configuration problem in production', () => {
    const lines = report(configError, 'production').split('\n').filter(Boolean);
    expect(lines).toHaveLength(2);
    const parsed = lines.map((l) => JSON.parse(l) as Record<string, unknown>);
    expect(parsed).toEqual([
      expect.objectContaining({
        level: 60,
        service: 'auth-server',
        msg: 'invalid configuration',
        problem: 'AUTH_PORT: AUTH_PORT must be a port number (an integer 0-65535)',
      }),
      expect.objectContaining({
        level: 60,
        service: 'auth-server',
        msg: 'invalid configuration',
        problem: 'DATABASE_URL: DATABASE_URL must be a postgres:// URL',
      }),
    ]);
  });

  it('writes any other failure as one JSON line with the error in production', () => {
    const err = Object.assign(new Error('listen EADDRINUSE: address already in use'), {
      code: 'EADDRINUSE',
    });
    const lines = report(err, 'production').split('\n').filter(Boolean);
    expect(lines).toHaveLength(1);
    expect(JSON.parse(lines[0]!)).toMatchObject({
      level: 60,
      service: 'auth-server',
      msg: 'failed to start',
      err: { type: 'Error', message: 'listen EADDRINUSE: address already in use' },
    });
  });

  it('writes readable text elsewhere: every problem listed, no JSON', () => {
    for (const nodeEnv of [undefined, 'development', 'test']) {
      const text = report(configError, nodeEnv);
      expect(text).toBe(
        'auth-server: Invalid configuration:\n' +
          '  - AUTH_PORT: AUTH_PORT must be a port number (an integer 0-65535)\n' +
          '  - DATABASE_URL: DATABASE_URL must be a postgres:// URL\n',
      );
    }
    expect(report(new Error('boom'))).toMatch(/^auth-server failed to start: Error: boom\n/);
  });
});

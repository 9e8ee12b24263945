import { IsInt, Min } from 'class-validator';
import { CommonEnv, ConfigError, loadEnv, toInt } from './env';

class SampleEnv extends CommonEnv {
  @toInt()
  @IsInt()
  @Min(1)
  WORKERS = 2;
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
});

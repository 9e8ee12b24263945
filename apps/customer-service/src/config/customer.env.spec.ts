import { ConfigError, loadEnv } from '@app/common';
import { CustomerEnv } from './customer.env';

const base = { DATABASE_URL: 'postgres://localhost/db' };

describe('CustomerEnv', () => {
  it('has working defaults outside production', () => {
    const env = loadEnv(CustomerEnv, base);
    expect(env.PASSWORD_MIN_LENGTH).toBe(15);
    expect(env.ARGON2_MEMORY_KIB).toBe(19_456);
    expect(env.CUSTOMER_SERVICE_CLIENT_ID).toBe('customer-service');
    expect(env.activityServiceUrl).toBeUndefined();
  });

  it('reads per-FI password minimums, never below 8', () => {
    const env = loadEnv(CustomerEnv, {
      ...base,
      PASSWORD_MIN_LENGTH_BY_INSTITUTION: 'fi-one:8,fi-two:12',
    });
    expect(env.passwordMinLength('fi-one')).toBe(8);
    expect(env.passwordMinLength('fi-two')).toBe(12);
    expect(env.passwordMinLength('fi-three')).toBe(15);
    expect(() =>
      loadEnv(CustomerEnv, { ...base, PASSWORD_MIN_LENGTH_BY_INSTITUTION: 'fi-one=8' }),
    ).toThrow(ConfigError);
    expect(() => loadEnv(CustomerEnv, { ...base, PASSWORD_MIN_LENGTH: '6' })).toThrow(ConfigError);
  });

  it('requires an SSN key in production, and a well-formed one anywhere', () => {
    expect(() => loadEnv(CustomerEnv, { ...base, NODE_ENV: 'production' })).toThrow(
      /SSN_ENCRYPTION_KEY/,
    );
    expect(() => loadEnv(CustomerEnv, { ...base, SSN_ENCRYPTION_KEY: 'short' })).toThrow(
      /SSN_ENCRYPTION_KEY/,
    );
    const key = 'a'.repeat(64);
    expect(
      loadEnv(CustomerEnv, { ...base, NODE_ENV: 'production', SSN_ENCRYPTION_KEY: key })
        .SSN_ENCRYPTION_KEY,
    ).toBe(key);
  });

  it('keeps idempotency records 24 hours at least', () => {
    expect(() => loadEnv(CustomerEnv, { ...base, IDEMPOTENCY_TTL_HOURS: '12' })).toThrow(
      ConfigError,
    );
  });
});

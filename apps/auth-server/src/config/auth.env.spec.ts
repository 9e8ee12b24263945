import { ConfigError, loadEnv } from '@app/common';
import { AuthEnv } from './auth.env';

describe('AuthEnv: the port and address it listens on', () => {
  const base = {
    DATABASE_URL: 'postgres://u:p@localhost:5432/db',
    CLIENT_SECRET_PEPPER: 'p'.repeat(32),
    KEY_ENCRYPTION_KEY: 'a'.repeat(64),
  };

  it('listens on 3001 and 0.0.0.0 unless AUTH_PORT and HOST say otherwise', () => {
    expect(loadEnv(AuthEnv, base)).toMatchObject({ AUTH_PORT: 3001, HOST: '0.0.0.0' });
    expect(loadEnv(AuthEnv, { ...base, AUTH_PORT: '4001', HOST: '127.0.0.1' })).toMatchObject({
      AUTH_PORT: 4001,
      HOST: '127.0.0.1',
    });
  });

  it('lists AUTH_PORT=abc and an unusable HOST as problems', () => {
    let error: unknown;
    try {
      loadEnv(AuthEnv, { ...base, AUTH_PORT: 'abc', HOST: 'local host' });
    } catch (err) {
      error = err;
    }
    expect(error).toBeInstanceOf(ConfigError);
    expect((error as ConfigError).problems).toEqual(
      expect.arrayContaining([
        'AUTH_PORT: AUTH_PORT must be a port number (an integer 0-65535)',
        'HOST: HOST must be an IP address or a host name',
      ]),
    );
  });
});

describe('AuthEnv: PORTAL_CLIENT_SECRET', () => {
  const base = {
    DATABASE_URL: 'postgres://u:p@localhost:5432/db',
    CLIENT_SECRET_PEPPER: 'p'.repeat(32),
    KEY_ENCRYPTION_KEY: 'a'.repeat(64),
  };

  it('is optional (empty means unset) and must be 32+ characters when set', () => {
    expect(loadEnv(AuthEnv, base).PORTAL_CLIENT_SECRET).toBeUndefined();
    expect(loadEnv(AuthEnv, { ...base, PORTAL_CLIENT_SECRET: '' }).PORTAL_CLIENT_SECRET).toBe(
      undefined,
    );
    expect(
      loadEnv(AuthEnv, { ...base, PORTAL_CLIENT_SECRET: 's'.repeat(32) }).PORTAL_CLIENT_SECRET,
    ).toBe('s'.repeat(32));
    expect(() => loadEnv(AuthEnv, { ...base, PORTAL_CLIENT_SECRET: 'short' })).toThrow(
      /PORTAL_CLIENT_SECRET must be at least 32 characters/,
    );
  });
});

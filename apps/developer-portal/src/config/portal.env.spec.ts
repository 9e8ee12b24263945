import { ConfigError, loadEnv } from '@app/common';
import { PortalEnv } from './portal.env';

const base = { DATABASE_URL: 'postgres://localhost/db' };

describe('PortalEnv', () => {
  it('lists every missing production setting at once', () => {
    try {
      loadEnv(PortalEnv, { ...base, NODE_ENV: 'production' });
      throw new Error('accepted');
    } catch (err) {
      expect(err).toBeInstanceOf(ConfigError);
      const problems = (err as ConfigError).problems.join('\n');
      expect(problems).toMatch(/PORTAL_CLIENT_SECRET/);
      expect(problems).toMatch(/PORTAL_CSRF_KEY/);
      expect(problems).toMatch(/SMTP_URL/);
    }
  });

  it('derives the base path and Secure cookies from the public URL', () => {
    const local = loadEnv(PortalEnv, base);
    expect(local.basePath).toBe('');
    expect(local.secureCookies).toBe(false);
    expect(local.catchesMail).toBe(true);
    const gateway = loadEnv(PortalEnv, {
      ...base,
      PORTAL_PUBLIC_URL: 'https://api.example.com/portal/',
    });
    expect(gateway.basePath).toBe('/portal');
    expect(gateway.publicUrl).toBe('https://api.example.com/portal');
    expect(gateway.secureCookies).toBe(true);
    // Plain http off localhost still marks cookies Secure (they then never travel unencrypted).
    expect(
      loadEnv(PortalEnv, { ...base, PORTAL_PUBLIC_URL: 'http://portal.internal' }).secureCookies,
    ).toBe(true);
  });

  it('catches mail only outside production and without SMTP_URL', () => {
    expect(loadEnv(PortalEnv, { ...base, SMTP_URL: 'smtp://mail:25' }).catchesMail).toBe(false);
    expect(() => loadEnv(PortalEnv, { ...base, SMTP_URL: 'http://mail' })).toThrow(/SMTP_URL/);
  });
});

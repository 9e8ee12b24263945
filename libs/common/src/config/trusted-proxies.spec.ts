import { CommonEnv, ConfigError, loadEnv } from './env';
import { trustedProxyMatcher } from './trusted-proxies';

const DATABASE_URL = 'postgres://u:p@localhost/db';

describe('TRUSTED_PROXIES', () => {
  it('is empty by default: no peer is trusted', () => {
    const env = loadEnv(CommonEnv, { DATABASE_URL });
    expect(env.TRUSTED_PROXIES).toEqual([]);
    expect(trustedProxyMatcher(env.TRUSTED_PROXIES)('127.0.0.1')).toBe(false);
  });

  it('reads comma-separated IPs and CIDR blocks', () => {
    const env = loadEnv(CommonEnv, {
      DATABASE_URL,
      TRUSTED_PROXIES: ' 172.28.0.10, 10.1.0.0/16 ,fd00::/8',
    });
    expect(env.TRUSTED_PROXIES).toEqual(['172.28.0.10', '10.1.0.0/16', 'fd00::/8']);
    const trusts = trustedProxyMatcher(env.TRUSTED_PROXIES);
    expect(trusts('172.28.0.10')).toBe(true);
    expect(trusts('::ffff:172.28.0.10')).toBe(true);
    expect(trusts('10.1.200.3')).toBe(true);
    expect(trusts('fd12::1')).toBe(true);
    expect(trusts('172.28.0.11')).toBe(false);
    expect(trusts('10.2.0.1')).toBe(false);
  });

  it.each(['loopback', '10.0.0.0/33', '10.0.0.1/8/1', '300.1.1.1', '10.0.0.0/x'])(
    'refuses %s at start',
    (value) => {
      expect(() => loadEnv(CommonEnv, { DATABASE_URL, TRUSTED_PROXIES: value })).toThrow(
        ConfigError,
      );
    },
  );
});

import { loadEnv } from '@app/common';
import { CustomerEnv } from '../config/customer.env';
import { IdempotencyService } from './idempotency.service';

describe('IdempotencyService', () => {
  const env = loadEnv(CustomerEnv, { DATABASE_URL: 'postgres://localhost/db' });
  const service = (key: string) =>
    new IdempotencyService({} as never, env, {
      deriveKey: () => Buffer.from(key.padEnd(32)),
    } as never);

  it('reads the key quoted (RFC 8941) or bare, within 1 to 255 visible characters', () => {
    expect(IdempotencyService.parseKey(undefined)).toBeUndefined();
    expect(IdempotencyService.parseKey('8e03978e-40d5-43e8')).toBe('8e03978e-40d5-43e8');
    expect(IdempotencyService.parseKey('"8e03978e-40d5-43e8"')).toBe('8e03978e-40d5-43e8');
    for (const bad of ['', 'has space', 'x'.repeat(256), 'é'])
      expect(() => IdempotencyService.parseKey(bad)).toThrow(/Idempotency-Key/);
    expect(() => IdempotencyService.parseKey(['a', 'b'])).toThrow();
  });

  it('fingerprints the request whatever the member order, keyed by a secret', () => {
    const a = service('one');
    const body = { loginId: 'x', person: { firstName: 'J', lastName: 'D' } };
    const reordered = { person: { lastName: 'D', firstName: 'J' }, loginId: 'x' };
    expect(a.fingerprint('POST', '/r', body)).toBe(a.fingerprint('POST', '/r', reordered));
    expect(a.fingerprint('POST', '/r', body)).not.toBe(
      a.fingerprint('POST', '/r', { ...body, loginId: 'y' }),
    );
    expect(a.fingerprint('POST', '/r', body)).not.toBe(
      service('two').fingerprint('POST', '/r', body),
    );
  });
});

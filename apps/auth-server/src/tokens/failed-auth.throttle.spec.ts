import type { DataSource } from 'typeorm';
import type { AuthEnv } from '../config/auth.env';
import { FailedAuthThrottle } from './failed-auth.throttle';
import { FailureCounter } from './failure-counter';

const IP = '10.0.0.1';
const env = {
  FAILED_AUTH_LIMIT: 10,
  FAILED_AUTH_ADDRESS_LIMIT: 30,
  FAILED_AUTH_CLIENT_LIMIT: 200,
  FAILED_AUTH_WINDOW_SECONDS: 60,
  FAILED_AUTH_BLOCK_SECONDS: 60,
  PASSWORD_FAILURE_LIMIT: 20,
  PASSWORD_FAILURE_CLIENT_LIMIT: 1_000,
  PASSWORD_FAILURE_WINDOW_SECONDS: 300,
  PASSWORD_FAILURE_BLOCK_SECONDS: 300,
} as AuthEnv;

/** The throttle over a table holding `rows` (key, points, expire in ms since the epoch). */
function build(rows: { key: string; points: number; expire: number }[]) {
  const query = jest.fn(async (_sql: string, [keys]: [string[], number]) =>
    rows.filter((r) => keys.includes(r.key)).map((r) => ({ ...r, expire: String(r.expire) })),
  );
  const throttle = new FailedAuthThrottle({ query } as Partial<DataSource> as DataSource, env);
  return { throttle, query };
}

const inSeconds = (s: number) => Date.now() + s * 1000;

describe('FailedAuthThrottle', () => {
  it('reads a password grant’s own wait with the client check: one query per token request', async () => {
    const { throttle, query } = build([
      { key: `password-address:${IP}`, points: 20, expire: inSeconds(120) },
    ]);
    const form = { grant_type: 'password' };
    await expect(throttle.clientAuthRetryAfter('cl_1', IP, form)).resolves.toBe(0);
    await expect(throttle.passwordRetryAfter(IP, form)).resolves.toBeGreaterThanOrEqual(119);
    expect(query).toHaveBeenCalledTimes(1);
    expect(query.mock.calls[0]![1][0]).toEqual([
      `password-address:${IP}`,
      `client-auth-address:${IP}`,
      `client-auth-pair:cl_1|${IP}`,
    ]);
  });

  it('blocks on the client keys alone, whatever the password wait', async () => {
    const { throttle } = build([
      { key: `client-auth-pair:cl_1|${IP}`, points: 10, expire: inSeconds(30) },
    ]);
    const form = { grant_type: 'password' };
    await expect(throttle.clientAuthRetryAfter('cl_1', IP, form)).resolves.toBeGreaterThan(28);
    await expect(throttle.passwordRetryAfter(IP, form)).resolves.toBe(0);
  });

  it('counts a key below its limit as no wait', async () => {
    const { throttle } = build([
      { key: `password-address:${IP}`, points: 19, expire: inSeconds(120) },
      { key: `client-auth-address:${IP}`, points: 29, expire: inSeconds(60) },
    ]);
    const form = { grant_type: 'password' };
    await expect(throttle.clientAuthRetryAfter('cl_1', IP, form)).resolves.toBe(0);
    await expect(throttle.passwordRetryAfter(IP, form)).resolves.toBe(0);
  });

  it('queries again when the wait was not read with this request’s client check, or was taken', async () => {
    const { throttle, query } = build([]);
    const form = { grant_type: 'password' };
    await throttle.clientAuthRetryAfter('cl_1', IP, form);
    await throttle.passwordRetryAfter(IP, form);
    expect(query).toHaveBeenCalledTimes(1);
    await throttle.passwordRetryAfter(IP, form);
    await throttle.passwordRetryAfter(IP, { grant_type: 'password' });
    await throttle.passwordRetryAfter(IP);
    expect(query).toHaveBeenCalledTimes(4);
  });

  it('leaves other grants to the client keys only', async () => {
    const { throttle, query } = build([]);
    await throttle.clientAuthRetryAfter('cl_1', IP);
    expect(query.mock.calls[0]![1][0]).toEqual([
      `client-auth-address:${IP}`,
      `client-auth-pair:cl_1|${IP}`,
    ]);
  });

  describe('with FAILED_AUTH_CHECK_CACHE_MS', () => {
    const cached = (rows: { key: string; points: number; expire: number }[]) => {
      const query = jest.fn(async (_sql: string, [keys]: [string[], number]) =>
        rows.filter((r) => keys.includes(r.key)).map((r) => ({ ...r, expire: String(r.expire) })),
      );
      const throttle = new FailedAuthThrottle(
        { query } as Partial<DataSource> as DataSource,
        {
          ...env,
          FAILED_AUTH_CHECK_CACHE_MS: 60_000,
        } as AuthEnv,
      );
      return { throttle, query };
    };
    afterEach(() => jest.restoreAllMocks());

    it('asks PostgreSQL once for a caller that keeps not failing', async () => {
      const { throttle, query } = cached([]);
      for (let i = 0; i < 5; i++)
        await expect(throttle.clientAuthRetryAfter('cl_1', IP)).resolves.toBe(0);
      expect(query).toHaveBeenCalledTimes(1);
      // Another address is another key: asked for.
      await throttle.clientAuthRetryAfter('cl_1', '10.0.0.2');
      expect(query).toHaveBeenCalledTimes(2);
    });

    it('never remembers a blocked key, and forgets a clean one at its first failure here', async () => {
      jest.spyOn(FailureCounter.prototype, 'record').mockResolvedValue(1);
      const rows = [{ key: `client-auth-pair:cl_1|${IP}`, points: 10, expire: inSeconds(30) }];
      const { throttle, query } = cached(rows);
      await expect(throttle.clientAuthRetryAfter('cl_1', IP)).resolves.toBeGreaterThan(28);
      await expect(throttle.clientAuthRetryAfter('cl_1', IP)).resolves.toBeGreaterThan(28);
      expect(query).toHaveBeenCalledTimes(2);

      await expect(throttle.clientAuthRetryAfter('cl_2', IP)).resolves.toBe(0);
      await throttle.recordClientAuthFailure('cl_2', IP, 'wrong secret');
      await throttle.clientAuthRetryAfter('cl_2', IP);
      expect(query).toHaveBeenCalledTimes(4);
    });
  });
});

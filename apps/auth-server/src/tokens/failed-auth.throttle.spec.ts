import type { DataSource } from 'typeorm';
import type { AuthEnv } from '../config/auth.env';
import { FailedAuthThrottle } from './failed-auth.throttle';

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
});

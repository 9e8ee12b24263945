import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { ClientCredentialsToken, TokenRefusedError } from './client-credentials-token';

/** A stand-in token endpoint on loopback that counts its calls and answers what it is told. */
describe('ClientCredentialsToken', () => {
  let server: Server;
  let url: string;
  let calls: { authorization?: string; body: string }[];
  let answer: { status: number; body: Record<string, unknown> };

  beforeAll(async () => {
    server = createServer((req, res) => {
      let body = '';
      req.on('data', (c: Buffer) => (body += c.toString()));
      req.on('end', () => {
        calls.push({ authorization: req.headers.authorization, body });
        res.writeHead(answer.status, { 'content-type': 'application/json' });
        res.end(JSON.stringify(answer.body));
      });
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  afterAll(() => new Promise<void>((r) => server.close(() => r())));
  beforeEach(() => {
    calls = [];
    answer = { status: 200, body: { access_token: 'tok-1', expires_in: 300 } };
  });

  const source = (renewBeforeMs = 30_000) =>
    new ClientCredentialsToken({
      authUrl: url,
      clientId: 'svc:a b',
      clientSecret: 's3cr:t',
      scope: 'internal:events:write',
      timeoutMs: 2_000,
      renewBeforeMs,
    });

  it('asks once with Basic credentials form-encoded first, and reuses the token', async () => {
    const tokens = source();
    const [a, b] = await Promise.all([tokens.get(), tokens.get()]);
    expect([a, b, await tokens.get()]).toEqual(['tok-1', 'tok-1', 'tok-1']);
    expect(calls).toHaveLength(1);
    const basic = Buffer.from(calls[0]!.authorization!.slice(6), 'base64').toString();
    expect(basic).toBe('svc%3Aa%20b:s3cr%3At');
    expect(new URLSearchParams(calls[0]!.body).get('scope')).toBe('internal:events:write');
  });

  it('asks again once the token is near its expiry, or forgotten', async () => {
    const tokens = source(301_000);
    await tokens.get();
    answer.body = { access_token: 'tok-2', expires_in: 300 };
    expect(await tokens.get()).toBe('tok-2');
    const fresh = source();
    await fresh.get();
    fresh.invalidate();
    expect(await fresh.get()).toBe('tok-2');
    expect(calls).toHaveLength(4);
  });

  it('throws TokenRefusedError with the status when the auth-server refuses', async () => {
    answer = { status: 401, body: { error: 'invalid_client' } };
    const err = await source()
      .get()
      .catch((e: unknown) => e);
    expect(err).toBeInstanceOf(TokenRefusedError);
    expect((err as TokenRefusedError).status).toBe(401);
    expect((err as Error).message).toContain('invalid_client');
  });
});

import { createServer, type Server } from 'node:http';
import { createRemoteJWKSet, jwtVerify } from 'jose';

/** The one customer the stub knows; `locked-user` is a real account that is locked. */
export const STUB_CUSTOMER = {
  loginId: 'jdoe2026',
  password: 'correct horse battery staple',
  institutionId: 'fi-one',
  customerId: '7f9c1c1e-8d5e-4a43-9a57-1f1f1f1f1f1f',
};

/**
 * Stands in for customer-service's credential check (docs/internal-apis.md), checking the
 * caller's token like the real one does.
 */
export async function startCredentialStub(port: number, authUrl: () => string) {
  /** Every check the stub answered, as it received it. */
  const calls: Record<string, unknown>[] = [];
  const server: Server = createServer((req, res) => {
    let body = '';
    req.on('data', (c: Buffer) => (body += c.toString()));
    req.on('end', () => {
      void (async () => {
        try {
          const jwks = createRemoteJWKSet(new URL(`${authUrl()}/.well-known/jwks.json`));
          const { payload } = await jwtVerify(
            (req.headers.authorization ?? '').replace(/^Bearer /, ''),
            jwks,
            { typ: 'at+jwt' },
          );
          if (payload.scope !== 'internal:credentials:verify') throw new Error('scope');
        } catch {
          res.writeHead(401).end();
          return;
        }
        const check = JSON.parse(body) as {
          loginId: string;
          password: string;
          institutionId: string;
        };
        calls.push(check);
        const verdict =
          check.loginId === STUB_CUSTOMER.loginId &&
          check.password === STUB_CUSTOMER.password &&
          check.institutionId === STUB_CUSTOMER.institutionId
            ? {
                result: 'ok',
                customerId: STUB_CUSTOMER.customerId,
                loginId: STUB_CUSTOMER.loginId,
                userType: 'RETAIL',
              }
            : check.loginId === 'locked-user'
              ? { result: 'locked' }
              : { result: 'invalid' };
        res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(verdict));
      })();
    });
  });
  await new Promise<void>((r) => server.listen(port, '127.0.0.1', r));
  return { calls, close: () => new Promise<void>((r) => server.close(() => r())) };
}

import { generateKeyPairSync, randomUUID } from 'node:crypto';
import { SignJWT } from 'jose';
import type { CommonEnv } from '../config/env';
import { BearerStrategy, InvalidTokenError } from './bearer.strategy';
import type { AccessPrincipal } from './principal';

const ISSUER = 'https://auth.test';
const AUDIENCE = 'digital-banking-api';
const { privateKey, publicKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });

type Verdict =
  { outcome: 'success'; value: AccessPrincipal } | { outcome: 'fail' | 'error'; value: unknown };

describe('BearerStrategy', () => {
  const resolve = jest.fn(() => Promise.resolve(publicKey));
  const revoked = new Set<string>();
  const strategy = new BearerStrategy(
    { AUTH_ISSUER: ISSUER, AUTH_AUDIENCE: AUDIENCE } as CommonEnv,
    { resolve },
    { isRevoked: (jti) => revoked.has(jti) },
    'bearer-spec',
  );

  afterEach(() => jest.restoreAllMocks());

  const sign = (jti: string, expiresIn: number) =>
    new SignJWT({ client_id: 'app', institution_id: 'fi-one', scope: 'a:read b:read' })
      .setProtectedHeader({ alg: 'ES256', typ: 'at+jwt', kid: 'k1' })
      .setIssuer(ISSUER)
      .setAudience(AUDIENCE)
      .setSubject('app')
      .setJti(jti)
      .setIssuedAt()
      .setExpirationTime(Math.floor(Date.now() / 1000) + expiresIn)
      .sign(privateKey);

  /** One request through the strategy, as passport runs it (a fresh object per request). */
  const run = (token: string) =>
    new Promise<Verdict>((done) => {
      const request = Object.create(strategy) as BearerStrategy & Record<string, unknown>;
      request.success = (value: AccessPrincipal) => done({ outcome: 'success', value });
      request.fail = (value: unknown) => done({ outcome: 'fail', value });
      request.error = (value: unknown) => done({ outcome: 'error', value });
      request.authenticate({ headers: { authorization: `Bearer ${token}` } } as never, {});
    });

  it('verifies a token once, then knows it (same principal, no key lookup)', async () => {
    const jti = randomUUID();
    const token = await sign(jti, 60);
    const first = await run(token);
    expect(first).toMatchObject({ outcome: 'success', value: { jti, institutionId: 'fi-one' } });
    const lookups = resolve.mock.calls.length;
    const again = await run(token);
    expect(again).toEqual(first);
    expect(resolve.mock.calls.length).toBe(lookups);
  });

  it('still refuses a known token once it is revoked', async () => {
    const jti = randomUUID();
    const token = await sign(jti, 60);
    expect((await run(token)).outcome).toBe('success');
    revoked.add(jti);
    const verdict = await run(token);
    expect(verdict.outcome).toBe('error');
    expect(verdict.value).toBeInstanceOf(InvalidTokenError);
  });

  it('still refuses a known token once it expires', async () => {
    const token = await sign(randomUUID(), 60);
    expect((await run(token)).outcome).toBe('success');
    const later = Date.now() + 70_000;
    jest.spyOn(Date, 'now').mockReturnValue(later);
    const verdict = await run(token);
    expect(verdict.outcome).toBe('fail');
    expect((verdict.value as Error).name).toBe('TokenExpiredError');
  });

  it('never takes a token for a known one it differs from (a changed signature)', async () => {
    const token = await sign(randomUUID(), 60);
    expect((await run(token)).outcome).toBe('success');
    const last = token.at(-2) === 'A' ? 'B' : 'A';
    const forged = `${token.slice(0, -2)}${last}${token.at(-1)}`;
    expect((await run(forged)).outcome).toBe('fail');
  });
});

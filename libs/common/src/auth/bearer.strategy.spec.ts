import { generateKeyPairSync, randomUUID } from 'node:crypto';
import { SignJWT } from 'jose';
import { Strategy } from 'passport-jwt';
import type { CommonEnv } from '../config/env';
import { BearerStrategy, InvalidTokenError } from './bearer.strategy';
import { toLowS } from './ports';
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
    {
      AUTH_ISSUER: ISSUER,
      AUTH_AUDIENCE: AUDIENCE,
      ACCESS_TOKEN_MAX_LIFETIME_SECONDS: 900,
    } as CommonEnv,
    { resolve },
    { isRevoked: (jti) => revoked.has(jti) },
  );

  afterEach(() => jest.restoreAllMocks());

  /** Signed as the auth-server signs: low-S only (a high-S twin is refused). */
  const sign = async (jti: string, expiresIn: number) => {
    const token = await new SignJWT({
      client_id: 'app',
      institution_id: 'fi-one',
      scope: 'a:read b:read',
    })
      .setProtectedHeader({ alg: 'ES256', typ: 'at+jwt', kid: 'k1' })
      .setIssuer(ISSUER)
      .setAudience(AUDIENCE)
      .setSubject('app')
      .setJti(jti)
      .setIssuedAt()
      .setExpirationTime(Math.floor(Date.now() / 1000) + expiresIn)
      .sign(privateKey);
    const dot = token.lastIndexOf('.');
    return `${token.slice(0, dot)}.${toLowS(Buffer.from(token.slice(dot + 1), 'base64url')).toString('base64url')}`;
  };

  /** One request through the strategy, as passport runs it (a fresh object per request). */
  const run = (token: string) =>
    new Promise<Verdict>((done) => {
      const request = Object.create(strategy) as BearerStrategy & Record<string, unknown>;
      request.success = (value: AccessPrincipal) => done({ outcome: 'success', value });
      request.fail = (value: unknown) => done({ outcome: 'fail', value });
      request.error = (value: unknown) => done({ outcome: 'error', value });
      request.authenticate({ headers: { authorization: `Bearer ${token}` } } as never, {});
    });

  it('verifies a token once, then knows it (same principal, no second verification)', async () => {
    const jti = randomUUID();
    const token = await sign(jti, 60);
    const verifications = jest.spyOn(Strategy.prototype, 'authenticate');
    const first = await run(token);
    expect(first).toMatchObject({ outcome: 'success', value: { jti, institutionId: 'fi-one' } });
    expect(verifications).toHaveBeenCalledTimes(1);
    const again = await run(token);
    expect(again).toEqual(first);
    // Only the key is looked up again (still published?), the signature is not verified again.
    expect(verifications).toHaveBeenCalledTimes(1);
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

  it('still refuses a known token once its key is no longer published', async () => {
    const token = await sign(randomUUID(), 60);
    expect((await run(token)).outcome).toBe('success');
    resolve.mockImplementationOnce(() => Promise.reject(new Error('unknown kid')));
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

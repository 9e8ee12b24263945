import { Inject, Injectable } from '@nestjs/common';
import { PassportStrategy } from '@nestjs/passport';
import { decodeProtectedHeader } from 'jose';
import passport from 'passport';
import { ExtractJwt, Strategy } from 'passport-jwt';
import { CommonEnv } from '../config/env';
import {
  ACCESS_TOKEN_ALG,
  ACCESS_TOKEN_TYPE,
  KEY_RESOLVER,
  REVOCATION_CHECK,
  STRATEGY_NAME,
  type KeyResolver,
  type RevocationCheck,
} from './ports';
import { principalFromClaims, type AccessPrincipal, type AccessTokenClaims } from './principal';

export class InvalidTokenError extends Error {
  override name = 'InvalidTokenError';
}

/** How many verified tokens an instance remembers (a few MB at most). */
const VERIFIED_CACHE_SIZE = 10_000;
const bearerToken = ExtractJwt.fromAuthHeaderAsBearerToken();

/**
 * Verifies `Authorization: Bearer` access tokens: ES256 only, the platform's issuer and
 * audience, `typ: at+jwt` (RFC 9068), a key the auth-server publishes, not revoked.
 */
@Injectable()
export class BearerStrategy extends PassportStrategy(Strategy) {
  /**
   * Tokens whose signature and claims were verified, by their exact text: a client sends the
   * same token for many calls, and the ECDSA verification is most of this strategy's cost.
   * Expiry and revocation are still checked on every call.
   */
  private readonly verified = new Map<string, AccessPrincipal>();

  constructor(
    env: CommonEnv,
    @Inject(KEY_RESOLVER) keys: KeyResolver,
    @Inject(REVOCATION_CHECK) private readonly revocations: RevocationCheck,
    @Inject(STRATEGY_NAME) name: string,
  ) {
    super({
      jwtFromRequest: bearerToken,
      passReqToCallback: true,
      algorithms: [ACCESS_TOKEN_ALG],
      issuer: env.AUTH_ISSUER,
      audience: env.AUTH_AUDIENCE,
      jsonWebTokenOptions: { clockTolerance: 5 },
      secretOrKeyProvider: (
        _req: unknown,
        rawJwt: string,
        done: (err: unknown, key?: string | Buffer) => void,
      ) => {
        let header: ReturnType<typeof decodeProtectedHeader>;
        try {
          header = decodeProtectedHeader(rawJwt);
        } catch {
          return done(new InvalidTokenError('The access token is malformed.'));
        }
        // Checked before any key lookup: `alg: none`, HS256 and ID tokens never get that far.
        if (header.alg !== ACCESS_TOKEN_ALG || header.typ?.toLowerCase() !== ACCESS_TOKEN_TYPE) {
          return done(new InvalidTokenError('The access token is not an ES256 at+jwt.'));
        }
        keys.resolve({ kid: header.kid, alg: header.alg }).then(
          // jsonwebtoken takes a KeyObject, though passport-jwt's types only list PEM strings.
          (key) => done(null, key as unknown as Buffer),
          () => done(new InvalidTokenError('The access token was not signed by a known key.')),
        );
      },
    });
    // Registered under a name unique to this app, so apps sharing one process stay apart.
    passport.use(name, this);
  }

  override authenticate(req: Parameters<Strategy['authenticate']>[0], options?: object): void {
    const token = bearerToken(req);
    const known = token ? this.verified.get(token) : undefined;
    if (!token || !known) return super.authenticate(req, options);
    if (known.expiresAt.getTime() <= Date.now()) {
      // Verified again in full, which answers with the usual expiry error.
      this.verified.delete(token);
      return super.authenticate(req, options);
    }
    this.notRevoked(known).then(
      (principal) => this.success(principal),
      (err: unknown) => this.error(err as Error),
    );
  }

  async validate(req: unknown, claims: AccessTokenClaims): Promise<AccessPrincipal> {
    const required = ['sub', 'client_id', 'institution_id', 'scope', 'jti', 'exp'] as const;
    if (required.some((c) => claims[c] === undefined || claims[c] === null)) {
      throw new InvalidTokenError('The access token lacks a required claim.');
    }
    const principal = await this.notRevoked(principalFromClaims(claims));
    this.remember(bearerToken(req as Parameters<typeof bearerToken>[0])!, principal);
    return principal;
  }

  private async notRevoked(principal: AccessPrincipal): Promise<AccessPrincipal> {
    if (await this.revocations.isRevoked(principal.jti)) {
      throw new InvalidTokenError('The access token was revoked.');
    }
    return principal;
  }

  private remember(token: string, principal: AccessPrincipal): void {
    if (this.verified.size >= VERIFIED_CACHE_SIZE) {
      // The oldest entry goes first (a Map keeps insertion order).
      this.verified.delete(this.verified.keys().next().value!);
    }
    this.verified.set(token, principal);
  }
}

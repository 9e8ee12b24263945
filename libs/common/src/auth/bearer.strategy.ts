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

/**
 * Verifies `Authorization: Bearer` access tokens: ES256 only, the platform's issuer and
 * audience, `typ: at+jwt` (RFC 9068), a key the auth-server publishes, not revoked.
 */
@Injectable()
export class BearerStrategy extends PassportStrategy(Strategy) {
  constructor(
    env: CommonEnv,
    @Inject(KEY_RESOLVER) keys: KeyResolver,
    @Inject(REVOCATION_CHECK) private readonly revocations: RevocationCheck,
    @Inject(STRATEGY_NAME) name: string,
  ) {
    super({
      jwtFromRequest: ExtractJwt.fromAuthHeaderAsBearerToken(),
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

  async validate(claims: AccessTokenClaims): Promise<AccessPrincipal> {
    const required = ['sub', 'client_id', 'institution_id', 'scope', 'jti', 'exp'] as const;
    if (required.some((c) => claims[c] === undefined || claims[c] === null)) {
      throw new InvalidTokenError('The access token lacks a required claim.');
    }
    if (await this.revocations.isRevoked(claims.jti)) {
      throw new InvalidTokenError('The access token was revoked.');
    }
    return principalFromClaims(claims);
  }
}

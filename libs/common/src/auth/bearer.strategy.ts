import type { KeyObject } from 'node:crypto';
import { Inject, Injectable } from '@nestjs/common';
import { PassportStrategy } from '@nestjs/passport';
import { decodeProtectedHeader } from 'jose';
import { Authenticator } from 'passport';
import { ExtractJwt } from 'passport-jwt';
import JwtStrategy from 'passport-jwt/lib/strategy';
import { CommonEnv } from '../config/env';
import {
  ACCESS_TOKEN_ALG,
  ACCESS_TOKEN_TYPE,
  BEARER_STRATEGY,
  KEY_RESOLVER,
  REVOCATION_CHECK,
  isLowS,
  type KeyResolver,
  type RevocationCheck,
} from './ports';
import { principalFromClaims, type AccessPrincipal, type AccessTokenClaims } from './principal';

export class InvalidTokenError extends Error {
  override name = 'InvalidTokenError';
}

/** How many verified tokens an instance remembers (a few MB at most). */
const VERIFIED_CACHE_SIZE = 10_000;
/** Clock skew tolerated between the auth-server and this service, in seconds. */
const CLOCK_TOLERANCE_S = 5;
const bearerToken = ExtractJwt.fromAuthHeaderAsBearerToken();

interface Verified {
  principal: AccessPrincipal;
  kid: string;
}

/**
 * Verifies `Authorization: Bearer` access tokens: ES256 only (low-S signatures), the platform's
 * issuer and audience, `typ: at+jwt` (RFC 9068), no `crit` extension (none is understood), a
 * key the auth-server still publishes, issued in the past for no longer than
 * ACCESS_TOKEN_MAX_LIFETIME_SECONDS, not revoked (by id, or by its client being disabled).
 */
/** Each strategy's own Authenticator (kept outside the instance: see getPassportInstance). */
type OwnPassport = InstanceType<typeof Authenticator>;
const OWN_PASSPORT = new WeakMap<object, OwnPassport>();

@Injectable()
export class BearerStrategy extends PassportStrategy(JwtStrategy, BEARER_STRATEGY) {
  /**
   * Tokens whose signature and claims were verified, by their exact text: a client sends the
   * same token for many calls, and the ECDSA verification is most of this strategy's cost.
   * Expiry, the signing key still being published, and revocation are checked on every call.
   */
  private readonly verified = new Map<string, Verified>();

  constructor(
    private readonly env: CommonEnv,
    @Inject(KEY_RESOLVER) private readonly keys: KeyResolver,
    @Inject(REVOCATION_CHECK) private readonly revocations: RevocationCheck,
  ) {
    super(
      {
        jwtFromRequest: bearerToken,
        passReqToCallback: true,
        algorithms: [ACCESS_TOKEN_ALG],
        issuer: env.AUTH_ISSUER,
        audience: env.AUTH_AUDIENCE,
        jsonWebTokenOptions: { clockTolerance: CLOCK_TOLERANCE_S },
        secretOrKeyProvider: (_req, rawJwt, done) => {
          const header = verifiableHeader(rawJwt);
          if (typeof header === 'string') return done(new InvalidTokenError(header));
          keys.resolve(header).then(
            (key: KeyObject) => done(null, key),
            () => done(new InvalidTokenError('The access token was not signed by a known key.')),
          );
        },
      },
      // @nestjs/passport adds the verify callback: it calls validate() below.
    );
  }

  /**
   * Where @nestjs/passport registers this strategy: an Authenticator of this app's own, not
   * passport's process-wide one, so that apps (and replicas) sharing one process never verify
   * with each other's keys or revocation lists. Called from the mixin's constructor, before
   * this class's fields exist, hence the WeakMap.
   */
  getPassportInstance(): OwnPassport {
    const own = OWN_PASSPORT.get(this) ?? new Authenticator();
    OWN_PASSPORT.set(this, own);
    return own;
  }

  override authenticate(req: Parameters<JwtStrategy['authenticate']>[0], options?: object): void {
    const token = bearerToken(req);
    const known = token ? this.verified.get(token) : undefined;
    if (!token || !known) return super.authenticate(req, options);
    if (known.principal.expiresAt.getTime() <= Date.now()) {
      // Verified again in full, which answers with the usual expiry error.
      this.verified.delete(token);
      return super.authenticate(req, options);
    }
    this.stillTrusted(token, known).then(
      (principal) => this.success(principal),
      (err: unknown) => this.error(err as Error),
    );
  }

  /** The claims of a token whose signature, issuer, audience and expiry passport-jwt verified. */
  async validate(req: unknown, claims: AccessTokenClaims): Promise<AccessPrincipal> {
    const required = ['sub', 'client_id', 'institution_id', 'scope', 'jti', 'exp', 'iat'] as const;
    if (required.some((c) => claims[c] === undefined || claims[c] === null)) {
      throw new InvalidTokenError('The access token lacks a required claim.');
    }
    if (typeof claims.iat !== 'number' || typeof claims.exp !== 'number') {
      throw new InvalidTokenError('The access token has malformed time claims.');
    }
    // jsonwebtoken checks exp and nbf only: a token "issued" later, or living longer than the
    // auth-server ever issues them, is not one of its tokens.
    if (claims.iat > Date.now() / 1000 + CLOCK_TOLERANCE_S) {
      throw new InvalidTokenError('The access token is issued in the future.');
    }
    if (claims.exp - claims.iat > this.env.ACCESS_TOKEN_MAX_LIFETIME_SECONDS) {
      throw new InvalidTokenError('The access token lives longer than tokens may.');
    }
    const principal = await this.notRevoked(principalFromClaims(claims));
    const token = bearerToken(req as Parameters<typeof bearerToken>[0])!;
    this.remember(token, { principal, kid: decodeProtectedHeader(token).kid! });
    return principal;
  }

  /** A remembered token: its key must still be published, and it must not be revoked since. */
  private async stillTrusted(token: string, known: Verified): Promise<AccessPrincipal> {
    try {
      await this.keys.resolve({ kid: known.kid, alg: ACCESS_TOKEN_ALG });
    } catch {
      this.verified.delete(token);
      throw new InvalidTokenError('The access token was not signed by a known key.');
    }
    return this.notRevoked(known.principal);
  }

  private async notRevoked(principal: AccessPrincipal): Promise<AccessPrincipal> {
    if (await this.revocations.isRevoked(principal.jti, principal)) {
      throw new InvalidTokenError('The access token was revoked.');
    }
    return principal;
  }

  private remember(token: string, entry: Verified): void {
    if (this.verified.size >= VERIFIED_CACHE_SIZE) {
      // The oldest entry goes first (a Map keeps insertion order).
      this.verified.delete(this.verified.keys().next().value!);
    }
    this.verified.set(token, entry);
  }
}

/**
 * The header of a token that may be verified, or why it is refused before any key lookup
 * (`alg: none`, HS256 and ID tokens never get that far).
 */
function verifiableHeader(rawJwt: string): { kid?: string; alg: string } | string {
  let header: ReturnType<typeof decodeProtectedHeader>;
  try {
    header = decodeProtectedHeader(rawJwt);
  } catch {
    return 'The access token is malformed.';
  }
  if (header.alg !== ACCESS_TOKEN_ALG || header.typ?.toLowerCase() !== ACCESS_TOKEN_TYPE) {
    return 'The access token is not an ES256 at+jwt.';
  }
  // RFC 7515 §4.1.11: a critical extension this verifier does not understand is fatal.
  if (header.crit !== undefined) return 'The access token has critical header parameters.';
  // jsonwebtoken accepts both (r, s) and (r, n - s); only one text of a token is valid.
  if (!isLowS(Buffer.from(rawJwt.slice(rawJwt.lastIndexOf('.') + 1), 'base64url'))) {
    return 'The access token signature is not canonical.';
  }
  return { kid: header.kid, alg: header.alg };
}

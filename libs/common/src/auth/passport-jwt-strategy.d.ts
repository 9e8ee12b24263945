/**
 * passport-jwt's Strategy (`Strategy` of 'passport-jwt' is this very module), typed as it
 * behaves: the key provider may hand over a KeyObject, which passport-jwt passes unchanged to
 * jsonwebtoken.verify (it takes KeyObjects). @types/passport-jwt lists PEM text and Buffers
 * only, and a PEM key is parsed again on every verification (about as costly as the ECDSA
 * check itself), so the platform keeps its KeyObjects.
 */
declare module 'passport-jwt/lib/strategy' {
  import type { KeyObject } from 'node:crypto';
  import type { Algorithm, VerifyOptions } from 'jsonwebtoken';
  import type { JwtFromRequestFunction, VerifiedCallback } from 'passport-jwt';
  import { Strategy as PassportStrategy } from 'passport-strategy';

  namespace JwtStrategy {
    /** `done(err)` fails the request with `err`; `done(null, key)` verifies with `key`. */
    type KeyProvider = (
      request: unknown,
      rawJwtToken: string,
      done: (err: Error | null, key?: KeyObject) => void,
    ) => void;

    interface Options {
      jwtFromRequest: JwtFromRequestFunction;
      secretOrKeyProvider: KeyProvider;
      passReqToCallback: true;
      issuer?: string;
      audience?: string;
      algorithms?: Algorithm[];
      jsonWebTokenOptions?: VerifyOptions;
    }

    /** Called with the verified payload; `done(err)` errors, `done(null, user)` succeeds. */
    type Verify = (request: unknown, payload: unknown, done: VerifiedCallback) => void;
  }

  class JwtStrategy extends PassportStrategy {
    constructor(options: JwtStrategy.Options, verify: JwtStrategy.Verify);
    name: string;
  }

  export = JwtStrategy;
}

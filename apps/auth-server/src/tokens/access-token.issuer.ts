import { randomUUID, sign, type KeyObject } from 'node:crypto';
import { Injectable } from '@nestjs/common';
import { ACCESS_TOKEN_ALG, ACCESS_TOKEN_TYPE, PLATFORM_INSTITUTION_ID, toLowS } from '@app/common';
import { AuthEnv } from '../config/auth.env';
import { SigningKeysService } from '../keys/signing-keys.service';

export interface AccessTokenRequest {
  subject: string;
  clientId: string;
  institutionId: string;
  scopes: readonly string[];
  loginId?: string;
  userType?: string;
}

export interface IssuedAccessToken {
  token: string;
  jti: string;
  expiresIn: number;
  expiresAt: Date;
  scope: string;
}

/**
 * The JWS signature (RFC 7518 §3.4: r || s, 32 bytes each) of `input` in the low-S form, the only
 * one the platform's verifiers accept (OpenSSL makes a high S half the time).
 *
 * The KeyObject goes to crypto.sign bare and the DER signature is unwrapped here: passed as
 * `{ key, dsaEncoding: 'ieee-p1363' }`, Node 24 first probes the options object as a KeyObject
 * and as a CryptoKey, each probe a caught native exception, which doubled the cost of a
 * signature (52 against 24 µs of CPU on the benchmark machine; docs/BENCHMARKS.md).
 */
export function es256Signature(input: string, key: KeyObject): Buffer {
  return lowS(p1363OfDer(sign('sha256', Buffer.from(input), key)));
}

/**
 * es256Signature computed on libuv's thread pool (crypto.sign with a callback), off the event
 * loop: the ECDSA is the largest single cost of a token.
 */
export function es256SignatureInPool(input: string, key: KeyObject): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    sign('sha256', Buffer.from(input), key, (err, der) => {
      if (err) return reject(err);
      try {
        resolve(lowS(p1363OfDer(der)));
      } catch (e) {
        reject(e as Error);
      }
    });
  });
}

const lowS = (signature: Buffer): Buffer =>
  // s (the second half) compared with n/2 bytewise: BigInt arithmetic only for a high S.
  signature.compare(HALF_ORDER, 0, 32, 32, 64) > 0 ? toLowS(signature) : signature;

/** n/2 for P-256 (n: the order of the curve), big-endian: a low S is at most this. */
const HALF_ORDER = Buffer.from(
  '7fffffff800000007fffffffffffffffde737d56d38bcf4279dce5617e3192a8',
  'hex',
);

/** ECDSA-Sig-Value (SEQUENCE of two INTEGERs, RFC 3279) to r || s for a 256-bit curve. */
export function p1363OfDer(der: Buffer): Buffer {
  // A P-256 signature is at most 72 bytes: the SEQUENCE's length always has the short form.
  if (der[0] !== 0x30 || der[1] !== der.length - 2) throw new Error('not a DER ECDSA signature');
  const out = Buffer.alloc(64);
  let at = 2;
  for (const offset of [0, 32]) {
    if (der[at] !== 0x02) throw new Error('not a DER ECDSA signature');
    let length = der[at + 1]!;
    let start = at + 2;
    at = start + length;
    // DER integers are minimal and signed: drop a leading zero, left-pad short ones.
    while (length > 32 && der[start] === 0) {
      start++;
      length--;
    }
    if (length > 32 || at > der.length) throw new Error('not a DER ECDSA signature');
    der.copy(out, offset + 32 - length, start, start + length);
  }
  if (at !== der.length) throw new Error('not a DER ECDSA signature');
  return out;
}

/** Signs RFC 9068 access tokens (ES256, `typ: at+jwt`, `kid`) with the active key. */
@Injectable()
export class AccessTokenIssuer {
  private internal = new Map<string, IssuedAccessToken>();
  private headers = new Map<string, string>();

  constructor(
    private readonly keys: SigningKeysService,
    private readonly env: AuthEnv,
  ) {}

  async issue(
    request: AccessTokenRequest,
    ttlSeconds = this.env.ACCESS_TOKEN_TTL_SECONDS,
  ): Promise<IssuedAccessToken> {
    const { kid, privateKey } = this.keys.signingKey();
    const now = Math.floor(Date.now() / 1000);
    const jti = randomUUID();
    const scope = request.scopes.join(' ');
    const claims = {
      iss: this.env.AUTH_ISSUER,
      aud: this.env.AUTH_AUDIENCE,
      sub: request.subject,
      client_id: request.clientId,
      institution_id: request.institutionId,
      scope,
      ...(request.loginId !== undefined ? { login_id: request.loginId } : {}),
      ...(request.userType !== undefined ? { user_type: request.userType } : {}),
      iat: now,
      exp: now + ttlSeconds,
      jti,
    };
    // Signed with node:crypto directly: the token endpoint's hot path. jose's WebCrypto route costs
    // an extra thread-pool round trip per token (bench/auth-token.bench.ts); verification, JWKS
    // and key handling stay with jose, and the tests verify these tokens with jose and oauth4webapi.
    const signingInput = `${this.header(kid)}.${Buffer.from(JSON.stringify(claims)).toString('base64url')}`;
    const signature = await es256SignatureInPool(signingInput, privateKey);
    const token = `${signingInput}.${signature.toString('base64url')}`;
    return {
      token,
      jti,
      expiresIn: ttlSeconds,
      expiresAt: new Date((now + ttlSeconds) * 1000),
      scope,
    };
  }

  private header(kid: string): string {
    let encoded = this.headers.get(kid);
    if (!encoded) {
      encoded = Buffer.from(
        JSON.stringify({ alg: ACCESS_TOKEN_ALG, typ: ACCESS_TOKEN_TYPE, kid }),
      ).toString('base64url');
      this.headers.set(kid, encoded);
    }
    return encoded;
  }

  /** A short-lived token the auth-server itself presents to another service (e.g. credential checks). */
  async internalToken(scope: string): Promise<string> {
    const cached = this.internal.get(scope);
    if (cached && cached.expiresAt.getTime() - Date.now() > 60_000) return cached.token;
    const issued = await this.issue(
      {
        subject: 'auth-server',
        clientId: 'auth-server',
        institutionId: PLATFORM_INSTITUTION_ID,
        scopes: [scope],
      },
      300,
    );
    this.internal.set(scope, issued);
    return issued.token;
  }
}

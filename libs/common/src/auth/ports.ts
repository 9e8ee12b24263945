import type { KeyObject } from 'node:crypto';
import type { AccessPrincipal } from './principal';

export const ACCESS_TOKEN_TYPE = 'at+jwt';
export const ACCESS_TOKEN_ALG = 'ES256';

/** Finds the public key for a token's `kid`; throws when it does not know it (or no longer does). */
export interface KeyResolver {
  resolve(header: { kid?: string; alg: string }): Promise<KeyObject>;
}

/** Whom a token was issued to, and when: a disabled client's earlier tokens are revoked with it. */
export interface IssuedTo {
  clientId: string;
  /** `iat`; a token without it counts as issued before any client revocation. */
  issuedAt?: Date;
}

/** Knows which access tokens were revoked before they expired. */
export interface RevocationCheck {
  /**
   * Revoked by its id, or (given `issued`) issued to a client before that client was disabled.
   * Without `issued` only the id is checked.
   */
  isRevoked(jti: string, issued?: IssuedTo): boolean | Promise<boolean>;
}

export const KEY_RESOLVER = Symbol('KEY_RESOLVER');
export const REVOCATION_CHECK = Symbol('REVOCATION_CHECK');
/** This app's own passport Authenticator, holding its BearerStrategy under BEARER_STRATEGY. */
export const BEARER_PASSPORT = Symbol('BEARER_PASSPORT');
/**
 * The bearer strategy's name, the same in every app: each app registers it with its own
 * Authenticator, never with passport's process-wide one, so apps sharing a process stay apart.
 */
export const BEARER_STRATEGY = 'bearer';

/** passport's authenticate middleware, called with a callback (no session, no redirects). */
export type BearerMiddleware = (req: unknown, res: unknown, next: (err?: unknown) => void) => void;

/** The part of a passport Authenticator the bearer guard uses. */
export interface BearerPassport {
  authenticate(
    strategy: typeof BEARER_STRATEGY,
    options: { session: false },
    callback: (err: unknown, user: AccessPrincipal | false, info: unknown) => void,
  ): BearerMiddleware;
}

/** Order of P-256. An ES256 signature (r, s) has a twin (r, n - s) that verifies too. */
const P256_ORDER = 0xffffffff00000000ffffffffffffffffbce6faada7179e84f3b9cac2fc632551n;
const HALF_ORDER = P256_ORDER >> 1n;

const scalar = (bytes: Uint8Array): bigint => BigInt(`0x${Buffer.from(bytes).toString('hex')}`);

/**
 * Whether an ES256 signature (r || s, 64 bytes) has the low-S form. Only that form is accepted,
 * so a token has exactly one valid text (tokens are remembered and compared by their text).
 */
export function isLowS(signature: Uint8Array): boolean {
  return signature.length === 64 && scalar(signature.subarray(32)) <= HALF_ORDER;
}

/** The low-S twin of an ES256 signature (itself when already low-S). */
export function toLowS(signature: Buffer): Buffer {
  if (signature.length !== 64 || isLowS(signature)) return signature;
  const s = P256_ORDER - scalar(signature.subarray(32));
  return Buffer.concat([
    signature.subarray(0, 32),
    Buffer.from(s.toString(16).padStart(64, '0'), 'hex'),
  ]);
}

import type { KeyObject } from 'node:crypto';

export const ACCESS_TOKEN_TYPE = 'at+jwt';
export const ACCESS_TOKEN_ALG = 'ES256';

/** Finds the public key for a token's `kid`; throws when it does not know it. */
export interface KeyResolver {
  resolve(header: { kid?: string; alg: string }): Promise<KeyObject>;
}

/** Knows which access tokens were revoked before they expired. */
export interface RevocationCheck {
  isRevoked(jti: string): boolean | Promise<boolean>;
}

export const KEY_RESOLVER = Symbol('KEY_RESOLVER');
export const REVOCATION_CHECK = Symbol('REVOCATION_CHECK');
export const STRATEGY_NAME = Symbol('BEARER_STRATEGY_NAME');

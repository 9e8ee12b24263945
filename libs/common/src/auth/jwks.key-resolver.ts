import { KeyObject } from 'node:crypto';
import { Injectable } from '@nestjs/common';
import { createRemoteJWKSet } from 'jose';
import { CommonEnv } from '../config/env';
import type { KeyResolver } from './ports';

/** Resource-server side: keys from the auth-server's JWKS, refetched when an unknown kid shows up. */
@Injectable()
export class JwksKeyResolver implements KeyResolver {
  private readonly jwks;
  private readonly cache = new Map<string, KeyObject>();

  constructor(env: CommonEnv) {
    this.jwks = createRemoteJWKSet(new URL(`${env.authInternalUrl}/.well-known/jwks.json`), {
      // Short: an unknown kid right after a rotation must not wait long for a refetch.
      cooldownDuration: 2_000,
      cacheMaxAge: 10 * 60_000,
    });
  }

  async resolve(header: { kid?: string; alg: string }): Promise<KeyObject> {
    const cached = header.kid ? this.cache.get(header.kid) : undefined;
    if (cached) return cached;
    const key = KeyObject.from(await this.jwks(header));
    if (header.kid) this.cache.set(header.kid, key);
    return key;
  }
}

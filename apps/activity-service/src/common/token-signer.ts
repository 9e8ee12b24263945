import {
  createHmac,
  createSecretKey,
  randomBytes,
  timingSafeEqual,
  type KeyObject,
} from 'node:crypto';
import { Injectable, Logger } from '@nestjs/common';
import { ActivityEnv } from '../config/activity.env';

/**
 * Opaque, tamper-proof tokens (search page tokens, feed cursors): base64url JSON plus an
 * HMAC-SHA256 over a purpose label and that JSON, under ACTIVITY_PAGE_TOKEN_KEY. The purpose
 * keeps a feed cursor from passing as a page token and vice versa.
 */
@Injectable()
export class TokenSigner {
  /**
   * A KeyObject made once: given a Buffer, createHmac imports the key on every call, which
   * cost about 3x the HMAC itself (Node 24) on every page with a next page.
   */
  private readonly key: KeyObject;

  constructor(env: ActivityEnv) {
    if (env.ACTIVITY_PAGE_TOKEN_KEY) {
      this.key = createSecretKey(Buffer.from(env.ACTIVITY_PAGE_TOKEN_KEY, 'utf8'));
    } else {
      // Allowed outside production only (ActivityEnv): tokens then die with this process.
      this.key = createSecretKey(randomBytes(32));
      new Logger(TokenSigner.name).warn(
        'ACTIVITY_PAGE_TOKEN_KEY is unset: using a random key; page tokens and feed cursors will not survive a restart',
      );
    }
  }

  sign(purpose: string, payload: object): string {
    const body = Buffer.from(JSON.stringify(payload), 'utf8').toString('base64url');
    return `${body}.${this.mac(purpose, body).toString('base64url')}`;
  }

  /** The payload, or null when the token is malformed, forged or for another purpose. */
  verify(purpose: string, token: unknown): unknown {
    if (typeof token !== 'string' || token.length > 4096) return null;
    const dot = token.indexOf('.');
    if (dot <= 0) return null;
    const body = token.slice(0, dot);
    const given = Buffer.from(token.slice(dot + 1), 'base64url');
    const expected = this.mac(purpose, body);
    if (given.length !== expected.length || !timingSafeEqual(given, expected)) return null;
    try {
      return JSON.parse(Buffer.from(body, 'base64url').toString('utf8')) as unknown;
    } catch {
      return null;
    }
  }

  private mac(purpose: string, body: string): Buffer {
    return createHmac('sha256', this.key).update(`${purpose}.${body}`).digest();
  }
}

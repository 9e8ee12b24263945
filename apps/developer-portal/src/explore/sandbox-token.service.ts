import { Injectable } from '@nestjs/common';
import { PlatformCallError, PlatformClient } from '../platform/platform-client';

/** The app (OAuth client) a token is minted for, as the explore pages show it. */
export interface ExploreApp {
  clientId: string;
  name: string;
  scopes: string[];
  createdAt: string;
}

export interface SandboxToken {
  accessToken: string;
  /** ms since the epoch. */
  expiresAt: number;
  scope: string;
  app: ExploreApp;
}

export type TokenResult =
  | { ok: true; token: SandboxToken; apps: ExploreApp[] }
  | { ok: false; reason: 'no-app' | 'unavailable'; detail: string; apps: ExploreApp[] };

/** What the service needs of the platform client (a seam for unit tests). */
export type AppDirectory = Pick<PlatformClient, 'listApps' | 'mintSandboxToken'>;

/** Minted tokens live this long: enough for a page and its try-it, short if one leaks. */
export const TOKEN_SECONDS = 300;
/** A cached token is used until this long before it expires. */
const REUSE_MARGIN_MS = 60_000;

/**
 * Short-lived access tokens for the signed-in developer's own sandbox apps, minted by the
 * auth-server without the app's secret (the portal never holds one). Only an active app of the
 * developer's own FI that has every scope asked for; the first such app unless one is chosen.
 * Tokens are reused for a few minutes, and dropped when an API refuses them (a revoked app).
 */
@Injectable()
export class SandboxTokenService {
  private readonly cache = new Map<string, SandboxToken>();

  constructor(private readonly platform: PlatformClient) {}

  /** The organization's active apps that hold every scope in `scopes`, oldest first. */
  async apps(institutionId: string, scopes: readonly string[] = []): Promise<ExploreApp[]> {
    const apps = await (this.platform as AppDirectory).listApps(institutionId);
    return apps
      .filter(
        (a) =>
          a.institutionId === institutionId &&
          a.status === 'active' &&
          scopes.every((s) => a.scopes.includes(s)),
      )
      .sort(
        (a, b) => a.createdAt.localeCompare(b.createdAt) || a.clientId.localeCompare(b.clientId),
      )
      .map((a) => ({
        clientId: a.clientId,
        name: a.name,
        scopes: a.scopes,
        createdAt: a.createdAt,
      }));
  }

  async tokenFor(
    institutionId: string,
    scopes: readonly string[],
    preferredClientId?: string,
    now = Date.now(),
  ): Promise<TokenResult> {
    let apps: ExploreApp[];
    try {
      apps = await this.apps(institutionId, scopes);
    } catch (err) {
      return { ok: false, reason: 'unavailable', detail: describe(err), apps: [] };
    }
    const app = apps.find((a) => a.clientId === preferredClientId) ?? apps[0];
    if (!app) {
      return {
        ok: false,
        reason: 'no-app',
        detail: `None of your active apps has the scopes this page needs (${scopes.join(', ')}). Create one on the Apps page.`,
        apps,
      };
    }
    const key = `${institutionId}|${app.clientId}|${[...scopes].sort().join(' ')}`;
    const cached = this.cache.get(key);
    if (cached && cached.expiresAt - REUSE_MARGIN_MS > now)
      return { ok: true, token: cached, apps };
    try {
      const minted = await (this.platform as AppDirectory).mintSandboxToken(app.clientId, {
        ...(scopes.length ? { scopes } : {}),
        expiresIn: TOKEN_SECONDS,
      });
      const token: SandboxToken = {
        accessToken: minted.access_token,
        expiresAt: now + minted.expires_in * 1000,
        scope: minted.scope,
        app,
      };
      this.cache.set(key, token);
      this.prune(now);
      return { ok: true, token, apps };
    } catch (err) {
      return { ok: false, reason: 'unavailable', detail: describe(err), apps };
    }
  }

  /** An API refused the token (revoked app, rolled keys): never hand it out again. */
  forget(token: SandboxToken): void {
    for (const [key, t] of this.cache)
      if (t.accessToken === token.accessToken) this.cache.delete(key);
  }

  private prune(now: number): void {
    for (const [key, t] of this.cache) if (t.expiresAt <= now) this.cache.delete(key);
  }
}

function describe(err: unknown): string {
  if (err instanceof PlatformCallError && err.status === 0)
    return 'The auth-server could not be reached to get a sandbox token. Try again in a moment.';
  return 'The auth-server did not give a sandbox token for your app just now. Try again in a moment.';
}

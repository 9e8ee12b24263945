import { Injectable, Logger } from '@nestjs/common';
import { ClientCredentialsToken, Scope } from '@app/common';
import { PortalEnv } from '../config/portal.env';

/** An app (OAuth client) as the auth-server's admin API shows it; never its secret. */
export interface PlatformApp {
  clientId: string;
  institutionId: string;
  name: string;
  scopes: string[];
  defaultScopes: string[];
  grantTypes: string[];
  status: 'active' | 'disabled' | string;
  createdAt: string;
  updatedAt: string;
  secretRotatedAt: string | null;
  disabledAt: string | null;
  /** When a token was last issued to it (null: never); once the auth-server reports it. */
  lastUsedAt?: string | null;
}

export interface PlatformAppWithSecret extends PlatformApp {
  /** Shown to the developer once, on the page answering the request; never stored. */
  clientSecret: string;
}

export interface NewApp {
  institutionId: string;
  name: string;
  scopes: readonly string[];
  grantTypes: readonly string[];
}

/** A short-lived access token minted for an app (try-it on the explore pages). */
export interface MintedToken {
  access_token: string;
  token_type: string;
  expires_in: number;
  scope: string;
}

/** What the customer-service's sandbox seed answers (sample customers to sign in as). */
export interface CustomerSeedSummary {
  [key: string]: unknown;
}

/** A refusal or failure of another service, with what the portal can tell the developer. */
export class PlatformCallError extends Error {
  override name = 'PlatformCallError';
  constructor(
    message: string,
    /** The HTTP status, or 0 when the service could not be reached. */
    readonly status: number,
    /** The problem document's code, when it sent one. */
    readonly code?: string,
  ) {
    super(message);
  }
}

/**
 * The portal's calls to the other services, as its internal client (`developer-portal`, scopes
 * clients:admin and internal:sandbox:admin): apps through the auth-server's admin API, sandbox
 * data through the customer- and activity-service's internal sandbox endpoints. One token,
 * cached until shortly before it expires, renewed once on a 401.
 */
@Injectable()
export class PlatformClient {
  private readonly logger = new Logger(PlatformClient.name);
  private readonly token?: ClientCredentialsToken;

  constructor(private readonly env: PortalEnv) {
    if (env.PORTAL_CLIENT_SECRET) {
      this.token = new ClientCredentialsToken({
        authUrl: env.authInternalUrl,
        clientId: env.PORTAL_CLIENT_ID,
        clientSecret: env.PORTAL_CLIENT_SECRET,
        scope: `${Scope.ClientsAdmin} ${Scope.InternalSandboxAdmin}`,
        timeoutMs: env.PLATFORM_TIMEOUT_MS,
        renewBeforeMs: 30_000,
      });
    } else {
      this.logger.warn(
        'PORTAL_CLIENT_SECRET is not set: sandbox organizations cannot be provisioned',
      );
    }
  }

  // --- apps (auth-server admin API) ---

  createApp(app: NewApp): Promise<PlatformAppWithSecret> {
    return this.call('POST', this.auth('/admin/v1/clients'), {
      institutionId: app.institutionId,
      name: app.name,
      scopes: app.scopes,
      grantTypes: app.grantTypes,
    });
  }

  /** Every app of one FI (the admin list, filtered by institution, all pages). */
  async listApps(institutionId: string): Promise<PlatformApp[]> {
    const apps: PlatformApp[] = [];
    let after: string | null = null;
    do {
      const query = new URLSearchParams({ institutionId, limit: '500' });
      if (after) query.set('after', after);
      const page: { clients: PlatformApp[]; next: string | null } = await this.call(
        'GET',
        this.auth(`/admin/v1/clients?${query.toString()}`),
      );
      apps.push(...page.clients.filter((c) => c.institutionId === institutionId));
      after = page.next;
    } while (after);
    return apps;
  }

  /** One app, or undefined when it does not exist. Callers check its institutionId. */
  async getApp(clientId: string): Promise<PlatformApp | undefined> {
    try {
      return await this.call('GET', this.auth(`/admin/v1/clients/${encodeURIComponent(clientId)}`));
    } catch (err) {
      if (err instanceof PlatformCallError && err.status === 404) return undefined;
      throw err;
    }
  }

  /** A new Secret Key; the old one keeps working for `previousSecretExpiresIn` seconds. */
  rotateSecret(clientId: string, previousSecretExpiresIn: number): Promise<PlatformAppWithSecret> {
    return this.call(
      'POST',
      this.auth(`/admin/v1/clients/${encodeURIComponent(clientId)}/secret`),
      {
        previousSecretExpiresIn,
      },
    );
  }

  /** Revokes an app: no new tokens, its tokens refused everywhere within 5 s. */
  disableApp(clientId: string): Promise<PlatformApp> {
    return this.call(
      'POST',
      this.auth(`/admin/v1/clients/${encodeURIComponent(clientId)}/disable`),
    );
  }

  /**
   * A short-lived access token for one of the developer's apps (try-it), without its secret:
   * the auth-server mints it for the client. `expiresIn` 60..900 s (default 300). Callers must
   * have checked that the app belongs to the signed-in developer's organization.
   */
  mintSandboxToken(
    clientId: string,
    options: { scopes?: readonly string[]; expiresIn?: number } = {},
  ): Promise<MintedToken> {
    return this.call(
      'POST',
      this.auth(`/admin/v1/clients/${encodeURIComponent(clientId)}/tokens`),
      {
        ...(options.scopes ? { scopes: options.scopes } : {}),
        ...(options.expiresIn !== undefined ? { expiresIn: options.expiresIn } : {}),
      },
    );
  }

  // --- sandbox data (customer- and activity-service internal endpoints) ---

  seedCustomers(institutionId: string): Promise<CustomerSeedSummary> {
    return this.call(
      'POST',
      `${this.env.customerServiceUrl}/internal/v1/sandbox/institutions/${encodeURIComponent(institutionId)}/seed`,
      {},
    );
  }

  seedActivity(institutionId: string, events?: number): Promise<Record<string, unknown>> {
    return this.call(
      'POST',
      `${this.env.activityServiceUrl}/internal/v1/sandbox/institutions/${encodeURIComponent(institutionId)}/seed`,
      events === undefined ? {} : { events },
    );
  }

  async wipeCustomers(institutionId: string): Promise<void> {
    await this.call(
      'DELETE',
      `${this.env.customerServiceUrl}/internal/v1/sandbox/institutions/${encodeURIComponent(institutionId)}`,
    );
  }

  async wipeActivity(institutionId: string): Promise<void> {
    await this.call(
      'DELETE',
      `${this.env.activityServiceUrl}/internal/v1/sandbox/institutions/${encodeURIComponent(institutionId)}`,
    );
  }

  private auth(path: string): string {
    return `${this.env.authInternalUrl}${path}`;
  }

  private async call<T>(method: string, url: string, body?: unknown): Promise<T> {
    if (!this.token)
      throw new PlatformCallError('the portal has no client secret (PORTAL_CLIENT_SECRET)', 0);
    let res = await this.send(method, url, await this.bearer(), body);
    if (res.status === 401) {
      // The token was revoked or the keys rolled: one fresh token, one more try.
      this.token.invalidate();
      res = await this.send(method, url, await this.bearer(), body);
    }
    const text = await res.text();
    const json = text ? (safeJson(text) as Record<string, unknown> | undefined) : undefined;
    if (!res.ok) {
      const code = typeof json?.code === 'string' ? json.code : undefined;
      const detail = typeof json?.detail === 'string' ? json.detail : res.statusText;
      throw new PlatformCallError(
        `${method} ${new URL(url).pathname}: HTTP ${res.status} ${code ?? ''} ${detail}`.trim(),
        res.status,
        code,
      );
    }
    return json as T;
  }

  private async bearer(): Promise<string> {
    try {
      return await this.token!.get();
    } catch (err) {
      throw new PlatformCallError(
        `the auth-server refused the portal's token: ${(err as Error).message}`,
        (err as { status?: number }).status ?? 0,
      );
    }
  }

  private async send(
    method: string,
    url: string,
    token: string,
    body?: unknown,
  ): Promise<Response> {
    try {
      return await fetch(url, {
        method,
        headers: {
          authorization: `Bearer ${token}`,
          accept: 'application/json',
          ...(body === undefined ? {} : { 'content-type': 'application/json' }),
        },
        body: body === undefined ? undefined : JSON.stringify(body),
        signal: AbortSignal.timeout(this.env.PLATFORM_TIMEOUT_MS),
      });
    } catch (err) {
      throw new PlatformCallError(
        `${method} ${new URL(url).pathname} failed: ${(err as Error).message}`,
        0,
      );
    }
  }
}

function safeJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}

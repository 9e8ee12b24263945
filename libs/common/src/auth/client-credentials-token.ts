/** What the platform's own services need to get a token of their internal client. */
export interface ClientCredentialsOptions {
  /** The auth-server, as this service reaches it (CommonEnv.authInternalUrl). */
  authUrl: string;
  clientId: string;
  clientSecret: string;
  scope: string;
  timeoutMs: number;
  /** A cached token is replaced this long before it expires. */
  renewBeforeMs: number;
}

export class TokenRefusedError extends Error {
  override name = 'TokenRefusedError';
  constructor(
    message: string,
    readonly status: number,
  ) {
    super(message);
  }
}

/**
 * A client_credentials token (RFC 6749 §4.4, client_secret_basic) of one of the platform's
 * internal clients, reused until shortly before it expires. One request at a time: callers
 * arriving while a token is being fetched share that fetch.
 */
export class ClientCredentialsToken {
  private cached?: { value: string; expiresAt: number };
  private pending?: Promise<string>;

  constructor(private readonly options: ClientCredentialsOptions) {}

  get(): Promise<string> {
    const { cached } = this;
    if (cached && cached.expiresAt - Date.now() > this.options.renewBeforeMs)
      return Promise.resolve(cached.value);
    this.pending ??= this.fetch().finally(() => (this.pending = undefined));
    return this.pending;
  }

  /** Forgets the cached token (the resource server answered 401 with it). */
  invalidate(): void {
    this.cached = undefined;
  }

  private async fetch(): Promise<string> {
    const { authUrl, clientId, clientSecret, scope, timeoutMs } = this.options;
    // RFC 6749 §2.3.1: the Basic credentials are form-urlencoded first.
    const basic = Buffer.from(
      `${encodeURIComponent(clientId)}:${encodeURIComponent(clientSecret)}`,
    ).toString('base64');
    const res = await fetch(`${authUrl}/oauth2/v1/token`, {
      method: 'POST',
      headers: {
        authorization: `Basic ${basic}`,
        'content-type': 'application/x-www-form-urlencoded',
      },
      body: new URLSearchParams({ grant_type: 'client_credentials', scope }).toString(),
      signal: AbortSignal.timeout(timeoutMs),
    });
    const body = (await res.json().catch(() => ({}))) as {
      access_token?: string;
      expires_in?: number;
      error?: string;
    };
    if (res.status !== 200 || !body.access_token) {
      throw new TokenRefusedError(
        `token for ${clientId} refused: HTTP ${res.status} ${body.error ?? ''}`.trim(),
        res.status,
      );
    }
    this.cached = {
      value: body.access_token,
      expiresAt: Date.now() + (body.expires_in ?? 60) * 1000,
    };
    return body.access_token;
  }
}

/**
 * A minimal cookie-keeping client of the portal's pages: follows no redirects by itself (tests
 * look at them), reads the CSRF token of the last page, posts forms with it.
 */
export interface PageAnswer {
  status: number;
  headers: Headers;
  html: string;
  location?: string;
}

export class PortalBrowser {
  readonly cookies = new Map<string, string>();
  private lastToken?: string;

  constructor(readonly base: string) {}

  /** The CSRF token of the last page (its `<meta name="csrf-token">`). */
  get csrfToken(): string {
    if (!this.lastToken) throw new Error('no page with a CSRF token loaded yet');
    return this.lastToken;
  }

  async get(path: string): Promise<PageAnswer> {
    return this.request('GET', path);
  }

  /** Posts a form; `_csrf` is the last page's token unless the fields give one (or null: none). */
  async post(
    path: string,
    fields: Record<string, string | string[] | null> = {},
  ): Promise<PageAnswer> {
    const body = new URLSearchParams();
    const withToken = { _csrf: this.lastToken ?? null, ...fields };
    for (const [name, value] of Object.entries(withToken)) {
      if (value === null) continue;
      for (const v of Array.isArray(value) ? value : [value]) body.append(name, v);
    }
    return this.request('POST', path, body.toString());
  }

  /** GETs `path` first (for its token), then posts the form. */
  async submit(
    formPage: string,
    action: string,
    fields: Record<string, string | string[] | null>,
  ): Promise<PageAnswer> {
    await this.get(formPage);
    return this.post(action, fields);
  }

  /** Follows a 303 (a GET of its Location). */
  async follow(answer: PageAnswer): Promise<PageAnswer> {
    if (!answer.location) throw new Error(`no redirect to follow (status ${answer.status})`);
    return this.get(answer.location);
  }

  private async request(method: string, path: string, body?: string): Promise<PageAnswer> {
    const res = await fetch(new URL(path, this.base), {
      method,
      redirect: 'manual',
      headers: {
        ...(body !== undefined ? { 'content-type': 'application/x-www-form-urlencoded' } : {}),
        ...(this.cookies.size > 0
          ? { cookie: [...this.cookies].map(([k, v]) => `${k}=${v}`).join('; ') }
          : {}),
      },
      body,
    });
    for (const line of res.headers.getSetCookie()) {
      const [pair] = line.split(';');
      const eq = pair!.indexOf('=');
      const name = pair!.slice(0, eq).trim();
      const value = pair!.slice(eq + 1).trim();
      if (value === '' || /max-age=0|expires=thu, 01 jan 1970/i.test(line))
        this.cookies.delete(name);
      else this.cookies.set(name, value);
    }
    const html = await res.text();
    const token = /<meta name="csrf-token" content="([^"]+)">/.exec(html)?.[1];
    if (token) this.lastToken = token;
    return {
      status: res.status,
      headers: res.headers,
      html,
      location: res.headers.get('location') ?? undefined,
    };
  }
}

/** The text of an element by id (`<code id="secret-key">...</code>`), HTML entities decoded. */
export function textById(html: string, id: string): string | undefined {
  const m = new RegExp(`id="${id}"[^>]*>([^<]*)<`).exec(html);
  return m ? decode(m[1]!) : undefined;
}

export const decode = (s: string): string =>
  s
    .replace(/&#39;/g, "'")
    .replace(/&quot;/g, '"')
    .replace(/&lt;/g, '<')
    .replace(/&gt;/g, '>')
    .replace(/&amp;/g, '&');

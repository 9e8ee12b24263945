import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { createRemoteJWKSet, jwtVerify, type JWTPayload } from 'jose';

export interface StubEvent {
  guid: string;
  eventId: string;
  loginId: string;
  [member: string]: unknown;
}

/**
 * Stands in for the activity-service's batch endpoint (docs/internal-apis.md): checks the
 * bearer token against the auth-server's JWKS, keeps each guid once, answers 202
 * `{accepted, duplicates}`. It can be stopped and started again on the same port, made to
 * fail (`failNext`), or to refuse some events as invalid (`refuse`).
 */
export class ActivityStub {
  /** Every event of every accepted POST, duplicates included, in arrival order. */
  readonly posted: StubEvent[] = [];
  readonly stored = new Map<string, StubEvent>();
  readonly tokens: JWTPayload[] = [];
  failNext = 0;
  refuse: (event: StubEvent) => boolean = () => false;
  private server?: Server;
  private readonly jwks: ReturnType<typeof createRemoteJWKSet>;

  constructor(
    readonly port: number,
    authUrl: string,
  ) {
    this.jwks = createRemoteJWKSet(new URL(`${authUrl}/.well-known/jwks.json`));
  }

  get url(): string {
    return `http://127.0.0.1:${this.port}`;
  }

  /** How many times the guid was posted (a redelivery counts). */
  timesPosted(guid: string): number {
    return this.posted.filter((e) => e.guid === guid).length;
  }

  async start(): Promise<void> {
    this.server = createServer((req, res) => void this.handle(req, res));
    await new Promise<void>((resolve) => this.server!.listen(this.port, '127.0.0.1', resolve));
  }

  async stop(): Promise<void> {
    const server = this.server;
    this.server = undefined;
    if (!server) return;
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    let text = '';
    for await (const chunk of req) text += (chunk as Buffer).toString();
    const reply = (status: number, body: unknown): void => {
      res.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify(body));
    };
    if (req.url !== '/data-apis/v1/banking-activities/batch' || req.method !== 'POST')
      return reply(404, {});
    try {
      const bearer = (req.headers.authorization ?? '').replace(/^Bearer /, '');
      const { payload } = await jwtVerify(bearer, this.jwks, { typ: 'at+jwt' });
      if (!String(payload.scope).split(' ').includes('internal:events:write')) throw new Error();
      this.tokens.push(payload);
    } catch {
      return reply(401, { error: 'invalid_token' });
    }
    if (this.failNext > 0) {
      this.failNext--;
      return reply(503, { code: 'UNAVAILABLE' });
    }
    const { events } = JSON.parse(text) as { events: StubEvent[] };
    if (events.some((e) => this.refuse(e))) return reply(400, { code: 'BAS_10005' });
    let accepted = 0;
    let duplicates = 0;
    for (const event of events) {
      this.posted.push(event);
      if (this.stored.has(event.guid)) duplicates++;
      else {
        this.stored.set(event.guid, event);
        accepted++;
      }
    }
    reply(202, { accepted, duplicates });
  }
}

import { EventSource } from 'eventsource';
import { generateEvents, ingest } from '../support/activity-fixtures';
import {
  ACTIVITIES,
  FI_READ_SCOPES,
  startActivityPlatform,
  type ActivityPlatform,
} from '../support/activity-platform';
import { ADMIN, clientToken, postForm } from '../support/platform';

const STREAM = `${ACTIVITIES}/stream`;
const HOUR = 3_600_000;

interface SseMessage {
  id?: string;
  event?: string;
  data?: string;
  comment?: string;
}

/** Reads a text/event-stream response message by message. */
async function* messages(res: Response): AsyncGenerator<SseMessage> {
  const reader = res.body!.pipeThrough(new TextDecoderStream()).getReader();
  let buffer = '';
  for (;;) {
    const { done, value } = await reader.read();
    if (done) return;
    buffer += value;
    let end: number;
    while ((end = buffer.indexOf('\n\n')) >= 0) {
      const block = buffer.slice(0, end);
      buffer = buffer.slice(end + 2);
      const message: SseMessage = {};
      for (const line of block.split('\n')) {
        if (line.startsWith(':')) message.comment = line.slice(1).trim();
        const colon = line.indexOf(': ');
        if (colon > 0)
          (message as Record<string, string>)[line.slice(0, colon)] = line.slice(colon + 2);
      }
      yield message;
    }
  }
}

describe('Banking Activity stream (e2e)', () => {
  let p: ActivityPlatform;
  let internal: string;
  let read: string;
  const now = Date.now();

  beforeAll(async () => {
    p = await startActivityPlatform('activity_stream', {
      ACTIVITY_STREAM_HEARTBEAT_MS: '1000',
      ACTIVITY_STREAMS_PER_CLIENT: '3',
    });
    internal = await p.internalToken();
    read = await p.token('fi-a', FI_READ_SCOPES);
  });

  afterAll(async () => {
    await p?.close();
  });

  const open = (token: string, query = '', headers: Record<string, string> = {}) => {
    const abort = new AbortController();
    const response = fetch(`${p.activity.url}${STREAM}${query}`, {
      headers: { authorization: `Bearer ${token}`, accept: 'text/event-stream', ...headers },
      signal: abort.signal,
    });
    return { response, close: () => abort.abort() };
  };

  it('pushes new events as they commit and resumes exactly after Last-Event-ID', async () => {
    const received: { id: string; data: Record<string, unknown> }[] = [];
    const source = new EventSource(`${p.activity.url}${STREAM}`, {
      fetch: (input, init) =>
        fetch(input, { ...init, headers: { ...init?.headers, authorization: `Bearer ${read}` } }),
    });
    const first = generateEvents('fi-a', 4, now - HOUR, now, 1);
    await new Promise<void>((resolve, reject) => {
      source.onerror = (e) => reject(new Error(`stream error ${String(e.message)}`));
      source.onopen = () => void ingest(p, internal, first).catch(reject);
      source.addEventListener('bankingActivity', (e) => {
        received.push({ id: e.lastEventId, data: JSON.parse(e.data) as Record<string, unknown> });
        if (received.length === first.length) resolve();
      });
    });
    source.close();
    expect(received.map((r) => r.data.guid)).toEqual(first.map((e) => e.guid));
    expect(received[0]!.data).toMatchObject({
      eventId: first[0]!.eventId,
      loginId: first[0]!.loginId,
    });

    // Missed while disconnected, then delivered on reconnection, and nothing twice.
    const missed = generateEvents('fi-a', 3, now - HOUR, now, 2);
    await ingest(p, internal, missed);
    const again = open(read, '', { 'last-event-id': received[1]!.id });
    const res = await again.response;
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toMatch(/^text\/event-stream/);
    expect(res.headers.get('transactionid')).toMatch(/^[0-9a-f-]{36}$/);
    const resumed: string[] = [];
    for await (const m of messages(res)) {
      if (m.event !== 'bankingActivity') continue;
      resumed.push((JSON.parse(m.data!) as { guid: string }).guid);
      if (resumed.length === 5) break;
    }
    again.close();
    expect(resumed).toEqual([...first.slice(2), ...missed].map((e) => e.guid));
  });

  it('starts from the earliest event when asked, and keeps an idle stream alive', async () => {
    const s = open(read, '?from=earliest&eventIds=loginSuccess,logout');
    const res = await s.response;
    let events = 0;
    for await (const m of messages(res)) {
      if (m.event === 'bankingActivity') {
        expect(['loginSuccess', 'logout']).toContain(
          (JSON.parse(m.data!) as { eventId: string }).eventId,
        );
        events++;
      }
      if (m.comment === 'keep-alive') break;
    }
    s.close();
    expect(events).toBeGreaterThan(0);
  });

  it('ends the stream once the token is revoked', async () => {
    const creds = await p.client('fi-a', ['banking-activities:read', 'account:read']);
    const token = await clientToken(p.auth.url, creds, FI_READ_SCOPES);
    const s = open(token);
    const res = await s.response;
    const iterator = messages(res);
    await iterator.next();
    const revoked = await postForm(`${p.auth.url}/oauth2/v1/revoke`, { token }, { basic: creds });
    expect(revoked.status).toBe(200);
    let ended: SseMessage | undefined;
    for await (const m of iterator) {
      if (m.event === 'end') {
        ended = m;
        break;
      }
    }
    s.close();
    expect(ended?.data).toContain('revoked');
  });

  it('ends the stream once its client is disabled', async () => {
    const creds = await p.client('fi-a', ['banking-activities:read', 'account:read']);
    const token = await clientToken(p.auth.url, creds, FI_READ_SCOPES);
    const s = open(token);
    const iterator = messages(await s.response);
    await iterator.next();
    const admin = await clientToken(p.auth.url, ADMIN, 'clients:admin');
    const disabled = await fetch(`${p.auth.url}/admin/v1/clients/${creds.clientId}/disable`, {
      method: 'POST',
      headers: { authorization: `Bearer ${admin}` },
    });
    expect(disabled.status).toBe(200);
    let ended: SseMessage | undefined;
    // Bounded: without an end event the stream is cut after 10 s and the test fails below.
    const giveUp = setTimeout(() => s.close(), 10_000);
    try {
      for await (const m of iterator) {
        if (m.event === 'end') {
          ended = m;
          break;
        }
      }
    } catch {
      // Cut by giveUp.
    } finally {
      clearTimeout(giveUp);
      s.close();
    }
    expect(ended?.data).toContain('revoked');
  });

  it('caps the streams one client holds open at once: 429 past it, others unaffected', async () => {
    const mine = await p.token('fi-a', FI_READ_SCOPES);
    const held = [open(mine), open(mine), open(mine)];
    for (const s of held) expect((await s.response).status).toBe(200);
    const refused = await open(mine).response;
    expect(refused.status).toBe(429);
    expect(refused.headers.get('retry-after')).toBe('5');
    expect(refused.headers.get('content-type')).toMatch(/^application\/problem\+json/);
    expect(((await refused.json()) as { code: string }).code).toBe('ACTIVITY_TOO_MANY_STREAMS');

    const someoneElse = open(await p.token('fi-a', FI_READ_SCOPES));
    expect((await someoneElse.response).status).toBe(200);
    someoneElse.close();

    // A closed stream gives its place back (once the server has seen the close).
    held[0]!.close();
    let again = 0;
    for (let i = 0; i < 100 && again !== 200; i++) {
      const attempt = open(mine);
      again = (await attempt.response).status;
      if (again === 200) held.push(attempt);
      else await new Promise((r) => setTimeout(r, 50));
    }
    expect(again).toBe(200);
    held.forEach((s) => s.close());
  });

  it('refuses missing tokens, missing scopes and bad cursors before streaming', async () => {
    const none = await fetch(`${p.activity.url}${STREAM}`);
    expect(none.status).toBe(401);
    const write = await p.token('fi-a', 'banking-activities:write');
    expect((await open(write).response).status).toBe(403);
    const bad = await open(read, '', { 'last-event-id': 'forged' }).response;
    expect(bad.status).toBe(400);
    expect(((await bad.json()) as { code: string }).code).toBe('BAS_10005');
  });
});

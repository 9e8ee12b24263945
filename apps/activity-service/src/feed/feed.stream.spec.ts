import type { ModuleRef } from '@nestjs/core';
import type { AccessPrincipal } from '@app/common';
import type { ActivityEnv } from '../config/activity.env';
import { FeedNotifier } from './feed.notifier';
import type { FeedPage, FeedService } from './feed.service';
import { FeedStream } from './feed.stream';

const env = { ACTIVITY_STREAMS_PER_CLIENT: 1, ACTIVITY_STREAM_HEARTBEAT_MS: 60_000 } as ActivityEnv;
const principal = (expiresInMs = 60_000): AccessPrincipal => ({
  subject: 'app',
  clientId: 'app',
  institutionId: 'fi-a',
  scopes: new Set<string>(),
  jti: 'j',
  expiresAt: new Date(Date.now() + expiresInMs),
});
const page = (n: number, hasMore = false): FeedPage => ({
  events: Array.from({ length: n }, (_, i) => ({
    position: { p: '1', s: String(i) },
    item: `{"n":${i}}`,
  })),
  position: { p: '1', s: null },
  hasMore,
});

describe('FeedStream', () => {
  let read: jest.Mock;
  let isRevoked: jest.Mock;
  let stream: FeedStream;
  beforeEach(() => {
    read = jest.fn();
    isRevoked = jest.fn().mockResolvedValue(false);
    const feed = { read, cursor: (_fi: string, p: { s: string }) => `c${p.s}` };
    stream = new FeedStream(
      feed as unknown as FeedService,
      new FeedNotifier({} as ActivityEnv),
      env,
      { get: () => ({ isRevoked }) } as unknown as ModuleRef,
    );
  });

  it('sends the retry hint, then each read as one chunk with cursors as ids', async () => {
    read.mockResolvedValueOnce(page(2)).mockResolvedValue(page(0));
    const aborted = new AbortController();
    const chunks = stream.follow(principal(), { p: '0', s: null }, [], aborted.signal);
    expect((await chunks.next()).value).toBe('retry: 2000\n\n');
    expect((await chunks.next()).value).toBe(
      'id: c0\nevent: bankingActivity\ndata: {"n":0}\n\nid: c1\nevent: bankingActivity\ndata: {"n":1}\n\n',
    );
    // Now idle: closing the connection ends the wait at once.
    const next = chunks.next();
    aborted.abort();
    expect(await next).toEqual({ done: true, value: undefined });
  });

  it('ends when the token is revoked', async () => {
    isRevoked.mockResolvedValue(true);
    const chunks = stream.follow(
      principal(),
      { p: '0', s: null },
      [],
      new AbortController().signal,
    );
    await chunks.next();
    expect((await chunks.next()).value).toMatch(/^event: end\n/);
    expect((await chunks.next()).done).toBe(true);
    expect(read).not.toHaveBeenCalled();
  });

  it('holds ACTIVITY_STREAMS_PER_CLIENT streams per client, and frees the slot at the end', async () => {
    isRevoked.mockResolvedValue(true);
    const signal = new AbortController().signal;
    const first = stream.follow(principal(), { p: '0', s: null }, [], signal);
    await first.next();
    await expect(
      stream.follow(principal(), { p: '0', s: null }, [], signal).next(),
    ).rejects.toMatchObject({ code: 'ACTIVITY_TOO_MANY_STREAMS', status: 429 });
    await first.return(undefined);
    await expect(
      stream.follow(principal(), { p: '0', s: null }, [], signal).next(),
    ).resolves.toEqual({ done: false, value: 'retry: 2000\n\n' });
  });
});

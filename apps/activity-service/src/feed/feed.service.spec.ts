import { TokenSigner } from '../common/token-signer';
import type { ActivityEnv } from '../config/activity.env';
import type { FeedBatch, FeedRepository, FeedRow } from './feed.repository';
import { FeedService } from './feed.service';

const signer = new TokenSigner({ ACTIVITY_PAGE_TOKEN_KEY: 'k'.repeat(32) } as ActivityEnv);
const batch = (position: number): FeedBatch => ({
  position: String(position),
  batchId: String(position + 100),
  minAt: new Date('2026-11-21T09:00:00Z'),
  maxAt: new Date('2026-11-21T10:00:00Z'),
});
const row = (position: number, seq: number): FeedRow => ({
  position: String(position),
  seq: String(seq),
  item: `{"p":${position},"s":${seq}}`,
});

describe('FeedService', () => {
  let repo: { latestPosition: jest.Mock; batches: jest.Mock; events: jest.Mock };
  let service: FeedService;
  beforeEach(() => {
    repo = { latestPosition: jest.fn(), batches: jest.fn(), events: jest.fn() };
    service = new FeedService(repo as unknown as FeedRepository, signer);
  });

  describe('cursors', () => {
    it('round-trips a position for its own institution only', () => {
      const cursor = service.cursor('fi-a', { p: '7', s: '8200' });
      expect(service.readCursor('fi-a', cursor)).toEqual({ p: '7', s: '8200' });
      expect(() => service.readCursor('fi-b', cursor)).toThrow(
        expect.objectContaining({ code: 'BAS_10005' }) as Error,
      );
      expect(() => service.readCursor('fi-a', `${cursor}x`)).toThrow(
        expect.objectContaining({ code: 'BAS_10005' }) as Error,
      );
    });

    it('starts from the earliest, the latest, or the cursor', async () => {
      repo.latestPosition.mockResolvedValue('42');
      await expect(service.parse('fi-a', {}, 'earliest')).resolves.toMatchObject({
        position: { p: '0', s: null },
        limit: 500,
      });
      await expect(service.parse('fi-a', {}, 'latest')).resolves.toMatchObject({
        position: { p: '42', s: null },
      });
      expect(repo.latestPosition).toHaveBeenCalledWith('fi-a');
      const cursor = service.cursor('fi-a', { p: '3', s: null });
      await expect(
        service.parse('fi-a', { cursor, from: 'latest', limit: '10' }, 'earliest'),
      ).resolves.toEqual({ position: { p: '3', s: null }, limit: 10, eventIds: [] });
    });

    it('lists every field problem at once', async () => {
      await expect(
        service.parse('fi-a', { limit: 0, eventIds: ['nope'], from: 'x', y: 1 }, 'earliest'),
      ).rejects.toMatchObject({
        code: 'BAS_10005',
        options: {
          errors: [
            { pointer: '/y' },
            { pointer: '/limit' },
            { pointer: '/eventIds' },
            { pointer: '/from' },
          ],
        },
      });
      await expect(service.parse('fi-a', [], 'earliest')).rejects.toMatchObject({
        code: 'BAS_10006',
      });
    });
  });

  describe('read', () => {
    it('stays where it is when no batch follows', async () => {
      repo.batches.mockResolvedValue([]);
      const from = { p: '5', s: null };
      await expect(service.read('fi-a', from, 10, [])).resolves.toEqual({
        events: [],
        position: from,
        hasMore: false,
      });
      expect(repo.batches).toHaveBeenCalledWith('fi-a', '5', false, 500);
      expect(repo.events).not.toHaveBeenCalled();
    });

    it('stops inside a batch when the limit is reached, and resumes there', async () => {
      repo.batches.mockResolvedValue([batch(1), batch(2)]);
      repo.events.mockResolvedValue([row(1, 10), row(1, 11), row(2, 20)]);
      const page = await service.read('fi-a', { p: '0', s: null }, 2, ['logout']);
      expect(repo.events).toHaveBeenCalledWith(
        'fi-a',
        [batch(1), batch(2)],
        { p: '0', s: null },
        3,
        ['logout'],
      );
      expect(page).toEqual({
        events: [
          { position: { p: '1', s: '10' }, item: '{"p":1,"s":10}' },
          { position: { p: '1', s: '11' }, item: '{"p":1,"s":11}' },
        ],
        position: { p: '1', s: '11' },
        hasMore: true,
      });
      // A partly delivered batch is read again from where it stopped.
      repo.batches.mockResolvedValue([batch(1)]);
      repo.events.mockResolvedValue([]);
      await service.read('fi-a', page.position, 2, []);
      expect(repo.batches).toHaveBeenLastCalledWith('fi-a', '1', true, 500);
    });

    it('moves past every batch read, even those without a matching event', async () => {
      repo.batches.mockResolvedValue([batch(1), batch(2), batch(3)]);
      repo.events.mockResolvedValue([row(2, 20)]);
      await expect(service.read('fi-a', { p: '0', s: null }, 10, ['logout'])).resolves.toEqual({
        events: [{ position: { p: '2', s: '20' }, item: '{"p":2,"s":20}' }],
        position: { p: '3', s: null },
        hasMore: false,
      });
    });
  });

  it('answers a page as JSON text with the cursor to resume from', async () => {
    repo.batches.mockResolvedValue([batch(4)]);
    repo.events.mockResolvedValue([row(4, 40)]);
    const page = JSON.parse(await service.page('fi-a', { limit: 5 })) as {
      cursor: string;
      hasMore: boolean;
      count: number;
      bankingActivities: unknown[];
    };
    expect(page).toMatchObject({ hasMore: false, count: 1, bankingActivities: [{ p: 4, s: 40 }] });
    expect(service.readCursor('fi-a', page.cursor)).toEqual({ p: '4', s: null });
  });
});

import { EVENT_TYPES } from '../../apps/activity-service/src/catalogue/event-catalogue';
import { validateBatch } from '../../apps/activity-service/src/ingest/batch.validator';
import { seedActivity } from '../../scripts/seed-activity';
import { allPages } from '../support/activity-fixtures';
import {
  ACTIVITIES,
  FI_READ_SCOPES,
  startActivityPlatform,
  type ActivityPlatform,
} from '../support/activity-platform';

const DAY = 86_400_000;

describe('sandbox activity seeder (e2e)', () => {
  let p: ActivityPlatform;

  beforeAll(async () => {
    p = await startActivityPlatform('activity_seed');
  });

  afterAll(async () => {
    await p?.close();
  });

  it('fills the sandbox FI with realistic, valid activity and other FIs alongside', async () => {
    const result = await seedActivity({
      databaseUrl: p.db.url,
      institutionId: 'sandbox-fi',
      events: 3000,
      otherInstitutions: ['other-fi-1', 'other-fi-2'],
      seed: 42,
    });
    expect(result).toEqual({
      skipped: false,
      inserted: 3600,
      byInstitution: { 'sandbox-fi': 3000, 'other-fi-1': 300, 'other-fi-2': 300 },
    });

    const stats = await p.sql.query(
      `SELECT count(DISTINCT event_id)::int AS types, count(DISTINCT login_id)::int AS users,
              count(DISTINCT company_id)::int AS companies,
              count(*) FILTER (WHERE user_type = 'business')::int AS business,
              min(occurred_at) AS first, max(occurred_at) AS last
         FROM activity.events WHERE institution_id = 'sandbox-fi'`,
    );
    const s = stats.rows[0];
    expect(s.types).toBe(EVENT_TYPES.length);
    expect(s.users).toBeGreaterThanOrEqual(15);
    expect(s.companies).toBeGreaterThan(1);
    expect(s.business).toBeGreaterThan(100);
    expect(Date.now() - s.first.getTime()).toBeLessThan(31 * DAY);
    expect(s.last.getTime()).toBeLessThanOrEqual(Date.now());

    // Every seeded event is one the batch endpoint would take as it is.
    const read = await p.token('sandbox-fi', FI_READ_SCOPES);
    const { items } = await allPages(p, read, {
      startTime: new Date(Date.now() - 31 * DAY).toISOString(),
      endTime: new Date().toISOString(),
      pageSize: 1000,
    });
    expect(items).toHaveLength(3000);
    const asEvents = items.map((i) => {
      const {
        guid,
        eventId,
        timeStamp,
        userType,
        loginId,
        customerId,
        institutionCustomerId,
        accountType,
        channel,
        ipAddress,
        ...attributes
      } = i;
      return {
        guid,
        eventId,
        timeStamp,
        userType,
        loginId,
        customerId,
        institutionCustomerId,
        accountType,
        channel,
        ipAddress,
        attributes,
      };
    });
    expect(() =>
      validateBatch(
        { events: asEvents.slice(0, 5000) },
        {
          institutionId: 'sandbox-fi',
          internal: false,
          now: Date.now(),
          retentionDays: 400,
          futureSkewSeconds: 300,
        },
      ),
    ).not.toThrow();

    // The other FIs reuse the same login ids, and never show through the sandbox's token.
    const shared = await p.sql.query(
      `SELECT count(*)::int AS n FROM (SELECT login_id FROM activity.events WHERE institution_id = 'sandbox-fi'
        INTERSECT SELECT login_id FROM activity.events WHERE institution_id = 'other-fi-1') x`,
    );
    expect(shared.rows[0].n).toBeGreaterThan(0);
    const others = await p.sql.query(
      `SELECT guid::text AS guid FROM activity.events WHERE institution_id <> 'sandbox-fi'`,
    );
    const otherGuids = new Set(others.rows.map((r: { guid: string }) => r.guid));
    expect(items.some((i) => otherGuids.has(i.guid as string))).toBe(false);
  });

  it('does nothing when the FI already has activity, unless forced', async () => {
    const again = await seedActivity({
      databaseUrl: p.db.url,
      institutionId: 'sandbox-fi',
      events: 100,
    });
    expect(again).toEqual({ skipped: true, inserted: 0, byInstitution: {} });
    const forced = await seedActivity({
      databaseUrl: p.db.url,
      institutionId: 'sandbox-fi',
      events: 100,
      otherInstitutions: [],
      force: true,
    });
    expect(forced.inserted).toBe(100);
    const feed = await p.post<{ count: number }>(
      `${ACTIVITIES}/feed`,
      await p.token('sandbox-fi', FI_READ_SCOPES),
      { limit: 1000 },
    );
    expect(feed.body.count).toBe(1000);
  });
});

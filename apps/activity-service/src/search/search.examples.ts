import { ExampleValue, requestExamples } from '@app/common';

/*
 * Request examples of search and export. Their times are filled in when the document is served
 * (the last 24 hours), so they always fall in the sandbox's seeded range and the look-back window.
 * The one-user shapes name `jdoe2026`, whose events the batch example writes (the seeded users'
 * login ids differ per sandbox): send that example first, or put a loginId from an FI-wide answer.
 */
const lastDay = { startTime: ExampleValue.now(-86_400), endTime: ExampleValue.now(60) };
const USER = 'jdoe2026';
const USER_NOTE = `${USER} has the events of the batch example (POST .../banking-activities/batch): send it first, or use a loginId from an FI-wide answer.`;

export const SEARCH_EXAMPLES = requestExamples({
  fiAllEvents: {
    summary: 'The whole FI, every event type (last 24 h, 10 per page)',
    value: { ...lastDay, pageSize: 10 },
    status: 200,
  },
  fiSomeEvents: {
    summary: 'The whole FI, several event types: failed and successful logins',
    value: { ...lastDay, eventIds: ['loginSuccess', 'loginFailure'], pageSize: 10 },
    status: 200,
  },
  fiOneEvent: {
    summary: 'The whole FI, one event type: transfers created, newest first',
    value: { ...lastDay, eventIds: ['transferCreated'], sortOrder: 'DESC', pageSize: 10 },
    status: 200,
  },
  userAllEvents: {
    summary: 'One user, every event type',
    description: USER_NOTE,
    value: { ...lastDay, userIdType: 'loginId', userId: USER },
    status: 200,
  },
  userSomeEvents: {
    summary: 'Several users, several event types',
    description: USER_NOTE,
    value: {
      ...lastDay,
      userIdType: 'loginId',
      userIds: [USER, 'asmith2026'],
      eventIds: ['loginSuccess', 'transferCreated'],
    },
    status: 200,
  },
  userOneEvent: {
    summary: 'One user, one event type, with chosen attributes',
    description: USER_NOTE,
    value: {
      ...lastDay,
      userIdType: 'loginId',
      userId: USER,
      eventIds: ['transferCreated'],
      requestedAttributes: ['loginId', 'amount', 'currency', 'transferType'],
    },
    status: 200,
  },
  business: {
    summary: 'Business users of one company',
    description:
      'The batch example writes a business event for company acme-corp; the seeded companies differ per sandbox.',
    value: { ...lastDay, userType: 'business', companyIds: ['acme-corp'] },
    status: 200,
  },
  filterTree: {
    summary: 'A filter tree: large transfers, or failed logins that are not from the mobile app',
    value: {
      ...lastDay,
      pageSize: 20,
      additionalFilters: {
        condition: 'or',
        filters: [{ attributeId: 'amount', criteria: 'greaterThan', value: 500 }],
        subFilters: [
          {
            condition: 'and',
            filters: [
              { attributeId: 'eventId', criteria: 'equals', value: 'loginFailure' },
              { attributeId: 'channel', criteria: 'notEquals', value: 'mobile' },
            ],
          },
        ],
      },
    },
    status: 200,
  },
});

export const EXPORT_EXAMPLES = requestExamples({
  fiLogins: {
    summary: 'Every login of the FI in the last 24 hours',
    value: { ...lastDay, eventIds: ['loginSuccess', 'loginFailure'] },
    status: 200,
  },
  userAll: {
    summary: "One user's activity",
    description: USER_NOTE,
    value: { ...lastDay, userIdType: 'loginId', userId: USER },
    status: 200,
  },
});

export const FEED_EXAMPLES = requestExamples({
  earliest: {
    summary: 'From the oldest retained event, 10 at a time',
    description: "Pass the answer's cursor back to read on.",
    value: { from: 'earliest', limit: 10 },
    status: 200,
  },
  logins: {
    summary: 'Only logins, from the oldest',
    value: { from: 'earliest', limit: 10, eventIds: ['loginSuccess', 'loginFailure'] },
    status: 200,
  },
});

const event = (extra: Record<string, unknown>) => ({
  guid: ExampleValue.uuid,
  timeStamp: ExampleValue.now(-60),
  userType: 'retail',
  loginId: USER,
  channel: 'online',
  ipAddress: '203.0.113.7',
  ...extra,
});

export const BATCH_EXAMPLES = requestExamples({
  events: {
    summary: 'A login, a failed login, a transfer and a business login',
    description:
      'guid is the idempotency key: each is new each time the document is loaded; sent again, the same events count as duplicates.',
    value: {
      events: [
        event({ eventId: 'loginSuccess', attributes: { clientId: 'sandbox-app' } }),
        event({
          eventId: 'loginFailure',
          channel: 'mobile',
          attributes: { clientId: 'sandbox-app', failedLoginCount: 1, reason: 'badPassword' },
        }),
        event({
          eventId: 'transferCreated',
          accountType: 'checking',
          attributes: {
            transferId: 'TR-1001',
            amount: 1250.5,
            currency: 'USD',
            transferType: 'external',
          },
        }),
        event({
          eventId: 'loginSuccess',
          userType: 'business',
          loginId: 'acmeadmin',
          institutionCustomerId: 'acme-corp',
          attributes: { clientId: 'sandbox-app' },
        }),
      ],
    },
    status: 202,
  },
});

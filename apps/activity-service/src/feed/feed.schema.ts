import { bodySchema } from '../common/body-schema';

export const FEED_LIMITS = { defaultLimit: 500, maxLimit: 1000, maxEventIds: 100 };

/**
 * POST .../feed's body, defined once: documented with @ApiBody and read by FeedService.parse
 * (which also reads the stream's query parameters with it).
 */
export const FEED_BODY = bodySchema({
  cursor: {
    type: 'string',
    description: 'The cursor of the previous answer; resumes right after it',
  },
  from: {
    type: 'string',
    enum: ['earliest', 'latest'],
    default: 'earliest',
    description: 'Without a cursor: the oldest retained event, or only events from now on',
  },
  limit: {
    type: 'integer',
    minimum: 1,
    maximum: FEED_LIMITS.maxLimit,
    default: FEED_LIMITS.defaultLimit,
  },
  eventIds: {
    type: 'array',
    items: { type: 'string' },
    maxItems: FEED_LIMITS.maxEventIds,
    description: 'Only these event types',
  },
});

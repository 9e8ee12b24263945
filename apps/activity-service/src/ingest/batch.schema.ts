import { CHANNELS, USER_TYPES } from '../catalogue/event-catalogue';
import { bodySchema } from '../common/body-schema';
import { MAX_BATCH_EVENTS } from '../storage/schema';

export const BATCH_LIMITS = { maxIdLength: 128, maxAccountTypeLength: 64 };

const id = (extra: Record<string, unknown> = {}) => ({
  type: 'string',
  minLength: 1,
  maxLength: BATCH_LIMITS.maxIdLength,
  ...extra,
});

/**
 * An event of a batch, defined once: documented with @ApiBody and read by validateBatch
 * (batch.validator.ts), which checks it by hand against the catalogue for speed.
 */
export const EVENT_SCHEMA = bodySchema(
  {
    guid: {
      type: 'string',
      format: 'uuid',
      description: 'Idempotency key: a guid already stored is counted as a duplicate',
    },
    eventId: {
      type: 'string',
      example: 'loginSuccess',
      description: 'An event type of GET .../event-types',
    },
    timeStamp: {
      type: 'string',
      format: 'date-time',
      example: '2026-11-21T09:00:00.000Z',
      description:
        'ISO 8601 with zone; kept to the millisecond; inside retention, not in the future',
    },
    institutionId: {
      type: 'string',
      example: 'sandbox-fi',
      description:
        "Required with an internal:events:write token; otherwise the token's FI (or absent)",
    },
    userType: { type: 'string', enum: [...USER_TYPES], description: 'Case-insensitive' },
    loginId: id({ example: 'jdoe2026' }),
    customerId: id({ nullable: true }),
    institutionCustomerId: id({
      nullable: true,
      description: 'Company id; required for business users, refused for retail',
    }),
    accountType: id({
      nullable: true,
      maxLength: BATCH_LIMITS.maxAccountTypeLength,
      example: 'checking',
    }),
    channel: { type: 'string', enum: [...CHANNELS], nullable: true },
    ipAddress: { type: 'string', nullable: true, example: '203.0.113.7' },
    attributes: {
      type: 'object',
      additionalProperties: true,
      nullable: true,
      example: { clientId: 'sandbox-app' },
      description:
        "The event type's attributes: unknown ones are refused, required ones must be present",
    },
  },
  { required: ['guid', 'eventId', 'timeStamp', 'userType', 'loginId'] },
);

export const BATCH_BODY = bodySchema(
  { events: { type: 'array', items: EVENT_SCHEMA, minItems: 1, maxItems: MAX_BATCH_EVENTS } },
  { required: ['events'] },
);

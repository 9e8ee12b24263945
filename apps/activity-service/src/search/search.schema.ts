import { bodySchema, type BodySchema, type SchemaObject } from '../common/body-schema';
import { CRITERIA } from '@app/common';

export { CRITERIA };

/*
 * The search, export and additionalFilters bodies, defined once: the OpenAPI document shows
 * these schemas (@ApiBody) and the parsers (search.query.ts, filter.ts) take their field lists
 * and limits from here. The parsers stay hand-written for Candescent's BAS_* codes and the
 * case-insensitive values.
 */

export const SEARCH_LIMITS = {
  defaultPageSize: 500,
  maxPageSize: 1000,
  maxListItems: 100,
  maxIdLength: 128,
  maxRequestedAttributes: 50,
  maxPageTokenLength: 4096,
};

/** Bounds on a filter tree, so no request can make an unbounded query. */
export const FILTER_LIMITS = {
  /** Nesting levels, the top group being level 1. */
  maxDepth: 5,
  /** Groups plus conditions in the whole tree. */
  maxNodes: 64,
  /** Values of one in/notIn (or of one array in equals). */
  maxValues: 100,
  maxStringLength: 256,
};

export const FILTER_CONDITION_SCHEMA = bodySchema(
  {
    attributeId: {
      type: 'string',
      example: 'amount',
      description: 'A field or attribute id from GET .../event-types',
    },
    criteria: {
      type: 'string',
      enum: [...CRITERIA],
      description: 'Case-insensitive; which apply depends on the attribute type',
    },
    value: {
      description: `A value of the attribute type (strings up to ${FILTER_LIMITS.maxStringLength} characters); an array of up to ${FILTER_LIMITS.maxValues} for in / notIn; true or false for exists (default true)`,
      example: 1000,
    },
  },
  { required: ['attributeId', 'criteria'] },
);

/**
 * A filter group at nesting `level`. OpenAPI 3.0 has no self-reference without a named
 * component, so the tree is written out to its depth bound (which it documents exactly).
 */
type FilterGroupKey = 'condition' | 'negate' | 'filters' | 'subFilters' | 'subFilter';

function filterGroupSchema(level: number): BodySchema<FilterGroupKey> {
  const deeper: BodySchema<FilterGroupKey> | null =
    level < FILTER_LIMITS.maxDepth ? filterGroupSchema(level + 1) : null;
  return bodySchema(
    {
      condition: { type: 'string', enum: ['and', 'or'], description: 'Case-insensitive' },
      negate: { type: 'boolean', description: 'NOT of the whole group' },
      filters: { type: 'array', items: FILTER_CONDITION_SCHEMA },
      subFilters: deeper
        ? {
            type: 'array',
            items: deeper,
            description: `Nested groups (up to ${FILTER_LIMITS.maxDepth} levels and ${FILTER_LIMITS.maxNodes} groups and conditions in all). A sub-filter may not repeat its parent's condition unless negated (BAS_10008).`,
          }
        : { type: 'array', maxItems: 0, description: 'None: the deepest level' },
      subFilter: deeper
        ? { ...deeper, description: "Candescent's single sub-filter (or subFilters, not both)" }
        : { type: 'object', maxProperties: 0, description: 'None: the deepest level' },
    },
    {
      required: ['condition'],
      description: 'At least one filter or sub-filter',
    },
  );
}

export const FILTER_GROUP_SCHEMA = filterGroupSchema(1);

const ids = (description: string, maxItems = SEARCH_LIMITS.maxListItems): SchemaObject => ({
  type: 'array',
  items: { type: 'string', minLength: 1, maxLength: SEARCH_LIMITS.maxIdLength },
  maxItems,
  description,
});

const common = {
  endTime: {
    type: 'string',
    format: 'date-time',
    example: '2026-11-21T00:00:00Z',
    description: 'Exclusive; ISO 8601 with a time zone',
  },
  eventIds: { ...ids('Event types of the catalogue'), example: ['loginSuccess', 'loginFailure'] },
  userType: {
    type: 'string',
    enum: ['retail', 'business'],
    description: 'Case-insensitive (BAS_10009 otherwise)',
  },
  userIdType: {
    type: 'string',
    enum: ['loginId', 'customerId'],
    default: 'loginId',
    description: 'What userId / userIds hold; case-insensitive (BAS_10010 otherwise)',
  },
  userId: {
    type: 'string',
    minLength: 1,
    maxLength: SEARCH_LIMITS.maxIdLength,
    example: 'jdoe2026',
    description: 'One user (or userIds, not both)',
  },
  userIds: ids('Several users'),
  companyIds: ids('institutionCustomerId of business users'),
  requestedAttributes: ids(
    'Fields and attributes to return; guid, eventId and timeStamp always come',
    SEARCH_LIMITS.maxRequestedAttributes,
  ),
  additionalFilters: FILTER_GROUP_SCHEMA,
  sortOrder: {
    type: 'string',
    enum: ['ASC', 'DESC'],
    default: 'ASC',
    description: 'Case-insensitive',
  },
} satisfies Record<string, SchemaObject>;

export const SEARCH_BODY = bodySchema(
  {
    startTime: {
      type: 'string',
      format: 'date-time',
      example: '2026-11-01T00:00:00Z',
      description: 'Inclusive; at most ACTIVITY_MAX_LOOKBACK_DAYS (93) ago (BAS_10002)',
    },
    ...common,
    pageSize: {
      type: 'integer',
      minimum: 1,
      maximum: SEARCH_LIMITS.maxPageSize,
      default: SEARCH_LIMITS.defaultPageSize,
    },
    nextPageToken: {
      type: 'string',
      maxLength: SEARCH_LIMITS.maxPageTokenLength,
      description: 'From the previous page; only valid with the same filters',
    },
  },
  { required: ['startTime', 'endTime'] },
);

/** The search's filters without paging, and no look-back limit. */
export const EXPORT_BODY = bodySchema(
  {
    startTime: {
      type: 'string',
      format: 'date-time',
      example: '2026-11-20T00:00:00Z',
      description: 'Inclusive (no look-back limit)',
    },
    ...common,
  },
  { required: ['startTime', 'endTime'] },
);

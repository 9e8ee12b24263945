/** The activity-service's PostgreSQL schema and the names raw SQL refers to. */
export const ACTIVITY_SCHEMA = 'activity';
export const EVENTS_TABLE = `${ACTIVITY_SCHEMA}.events`;

/**
 * An event's `seq` is `batchId * SEQ_PER_BATCH + its index in the batch`: unique, increasing
 * within a batch, and it tells the feed which batch a row belongs to without another index.
 * A batch holds at most MAX_BATCH_EVENTS events, so the index always fits.
 */
export const SEQ_PER_BATCH = 8192;
export const MAX_BATCH_EVENTS = 5000;

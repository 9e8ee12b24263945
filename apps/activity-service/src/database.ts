import type { ServiceDatabase } from '@app/common';
import { migrations } from './migrations';
import { EventGuidEntity } from './storage/event-guid.entity';
import { FeedLogEntity } from './storage/feed-log.entity';

/**
 * The activity-service's schema: its entities and its reviewed migrations, nothing synchronized.
 * The partitioned activity.events table has no entity on purpose: TypeORM cannot describe
 * declarative partitioning (its diff would try to recreate the table), so it is defined in the
 * migration by hand and read and written with SQL (storage/). The entities below are diffed.
 */
export const activityDatabase: ServiceDatabase = {
  schema: 'activity',
  entities: [EventGuidEntity, FeedLogEntity],
  migrations,
};

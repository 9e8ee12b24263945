import type { ServiceDatabase } from '@app/common';
import { migrations } from './migrations';

/** The activity-service's schema: its entities and its reviewed migrations, nothing synchronized. */
export const activityDatabase: ServiceDatabase = {
  schema: 'activity',
  entities: [],
  migrations,
};

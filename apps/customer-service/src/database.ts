import type { ServiceDatabase } from '@app/common';
import { migrations } from './migrations';

/** The customer-service's schema: its entities and its reviewed migrations, nothing synchronized. */
export const customerDatabase: ServiceDatabase = {
  schema: 'customer',
  entities: [],
  migrations,
};

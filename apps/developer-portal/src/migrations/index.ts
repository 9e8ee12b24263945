import { PortalInit1797100000000 } from './1797100000000-PortalInit';

// Every migration of the portal schema, in order. Add new ones here after review.
export const migrations = [PortalInit1797100000000];

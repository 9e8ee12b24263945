import { Init1795252468350 } from './1795252468350-Init';
import { RateLimits1795300000000 } from './1795300000000-RateLimits';
import { RevokedClients1796036534142 } from './1796036534142-RevokedClients';
import { ClientSecretOverlap1796045334738 } from './1796045334738-ClientSecretOverlap';

// Every migration of the auth schema, in order. Add new ones here after review.
export const migrations = [
  Init1795252468350,
  RateLimits1795300000000,
  RevokedClients1796036534142,
  ClientSecretOverlap1796045334738,
];

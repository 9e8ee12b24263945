import { Init1795253379626 } from './1795253379626-Init';
import { SealIdempotencyResponses1795300000000 } from './1795300000000-SealIdempotencyResponses';
import { RegistrationRateLimits1796200000000 } from './1796200000000-RegistrationRateLimits';
import { SandboxWipe1796300000000 } from './1796300000000-SandboxWipe';
import { RegistrationDisclosureCheck1796400000000 } from './1796400000000-RegistrationDisclosureCheck';

// Every migration of the customer schema, in order. Add new ones here after review.
export const migrations = [
  Init1795253379626,
  SealIdempotencyResponses1795300000000,
  RegistrationRateLimits1796200000000,
  SandboxWipe1796300000000,
  RegistrationDisclosureCheck1796400000000,
];

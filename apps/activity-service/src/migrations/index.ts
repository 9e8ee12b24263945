import { Init1795253296706 } from './1795253296706-Init';
import { Delivery1796039224491 } from './1796039224491-Delivery';
import { DeliveryFiles1796039300000 } from './1796039300000-DeliveryFiles';
import { InstitutionKeys1796100000000 } from './1796100000000-InstitutionKeys';
import { SandboxSeeds1796300000000 } from './1796300000000-SandboxSeeds';
import { EventsByInstitution1796400000000 } from './1796400000000-EventsByInstitution';

// Every migration of the activity schema, in order. Add new ones here after review.
export const migrations = [
  Init1795253296706,
  Delivery1796039224491,
  DeliveryFiles1796039300000,
  InstitutionKeys1796100000000,
  SandboxSeeds1796300000000,
  EventsByInstitution1796400000000,
];

import type { ServiceDatabase } from '@app/common';
import { AccountTokenEntity } from './accounts/account-token.entity';
import { DeveloperEntity } from './accounts/developer.entity';
import { SessionEntity } from './accounts/session.entity';
import { migrations } from './migrations';
import { OrganizationEntity } from './organizations/organization.entity';

/** The portal's schema: its entities and its reviewed migrations, nothing synchronized. */
export const portalDatabase: ServiceDatabase = {
  schema: 'portal',
  entities: [OrganizationEntity, DeveloperEntity, SessionEntity, AccountTokenEntity],
  migrations,
};

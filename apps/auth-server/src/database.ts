import type { ServiceDatabase } from '@app/common';
import { ClientEntity } from './clients/client.entity';
import { SigningKeyEntity } from './keys/signing-key.entity';
import { RefreshTokenEntity } from './tokens/refresh-token.entity';
import { RevokedAccessTokenEntity } from './tokens/revoked-access-token.entity';
import { RevokedClientEntity } from './tokens/revoked-client.entity';
import { migrations } from './migrations';

/** The auth-server's schema: its entities and its reviewed migrations, nothing synchronized. */
export const authDatabase: ServiceDatabase = {
  schema: 'auth',
  entities: [
    ClientEntity,
    SigningKeyEntity,
    RefreshTokenEntity,
    RevokedAccessTokenEntity,
    RevokedClientEntity,
  ],
  migrations,
};

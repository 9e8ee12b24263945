import { Module } from '@nestjs/common';
import { BearerAuthModule, PlatformModule } from '@app/common';
import { AdminClientsController } from './clients/admin-clients.controller';
import { ClientsModule } from './clients/clients.module';
import { AuthEnv } from './config/auth.env';
import { authDatabase } from './database';
import { DiscoveryController } from './discovery/discovery.controller';
import { AdminKeysController } from './keys/admin-keys.controller';
import { KeysModule } from './keys/keys.module';
import { SigningKeysService } from './keys/signing-keys.service';
import { RevocationsService } from './tokens/revocations.service';
import { TokensModule } from './tokens/tokens.module';

@Module({
  imports: [
    PlatformModule.forRoot({ service: 'auth-server', env: AuthEnv, database: authDatabase }),
    // The admin API and the revocation feed take this server's own tokens, verified like every
    // service's, with its in-process signing keys and revocations behind the same ports.
    BearerAuthModule.forRoot({
      imports: [KeysModule, TokensModule],
      keyResolver: SigningKeysService,
      revocationCheck: RevocationsService,
    }),
    ClientsModule,
    KeysModule,
    TokensModule,
  ],
  controllers: [DiscoveryController, AdminClientsController, AdminKeysController],
})
export class AuthServerModule {}

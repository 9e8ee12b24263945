import { Module } from '@nestjs/common';
import { ClientsModule } from '../clients/clients.module';
import { ClientTokensService } from '../clients/client-tokens.service';
import { CUSTOMER_CREDENTIALS } from '../customers/customer-credentials.port';
import { HttpCustomerCredentialsAdapter } from '../customers/http-customer-credentials.adapter';
import { KeysModule } from '../keys/keys.module';
import { PersistenceModule } from '../persistence/persistence.module';
import { AccessTokenIssuer } from './access-token.issuer';
import { AuthMetrics } from './auth.metrics';
import { ClientAuthenticator } from './client-authenticator';
import { FailedAuthThrottle } from './failed-auth.throttle';
import { OAuthController } from './oauth.controller';
import { RefreshTokensRepository } from './refresh-tokens.repository';
import { RefreshTokensService } from './refresh-tokens.service';
import { RevocationsRepository } from './revocations.repository';
import { RevocationsService } from './revocations.service';
import { TokenService } from './token.service';

@Module({
  imports: [PersistenceModule, ClientsModule, KeysModule],
  controllers: [OAuthController],
  providers: [
    AccessTokenIssuer,
    AuthMetrics,
    ClientAuthenticator,
    // The admin API's try-it tokens: issued by TokenService, so provided beside it.
    ClientTokensService,
    FailedAuthThrottle,
    RefreshTokensRepository,
    RefreshTokensService,
    RevocationsRepository,
    RevocationsService,
    TokenService,
    { provide: CUSTOMER_CREDENTIALS, useClass: HttpCustomerCredentialsAdapter },
  ],
  exports: [ClientTokensService, RefreshTokensService, RevocationsService],
})
export class TokensModule {}

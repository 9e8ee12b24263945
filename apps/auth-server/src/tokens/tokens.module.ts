import { Module } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { ClientsModule } from '../clients/clients.module';
import { CUSTOMER_CREDENTIALS } from '../customers/customer-credentials.port';
import { HttpCustomerCredentialsAdapter } from '../customers/http-customer-credentials.adapter';
import { KeysModule } from '../keys/keys.module';
import { AccessTokenIssuer } from './access-token.issuer';
import { ClientAuthenticator } from './client-authenticator';
import { FailedAuthThrottle } from './failed-auth.throttle';
import { OAuthController } from './oauth.controller';
import { RefreshTokensService } from './refresh-tokens.service';
import { RevocationsService } from './revocations.service';
import { RevokedAccessTokenEntity } from './revoked-access-token.entity';
import { TokenService } from './token.service';

@Module({
  imports: [TypeOrmModule.forFeature([RevokedAccessTokenEntity]), ClientsModule, KeysModule],
  controllers: [OAuthController],
  providers: [
    AccessTokenIssuer,
    ClientAuthenticator,
    FailedAuthThrottle,
    RefreshTokensService,
    RevocationsService,
    TokenService,
    { provide: CUSTOMER_CREDENTIALS, useClass: HttpCustomerCredentialsAdapter },
  ],
  exports: [RefreshTokensService, RevocationsService],
})
export class TokensModule {}

import { DynamicModule, Module, type ModuleMetadata, type Type } from '@nestjs/common';
import { BearerStrategy } from './bearer.strategy';
import { BearerAuthGuard, InstitutionGuard, ScopesGuard } from './guards';
import { JwksKeyResolver } from './jwks.key-resolver';
import {
  BEARER_PASSPORT,
  KEY_RESOLVER,
  REVOCATION_CHECK,
  type BearerPassport,
  type KeyResolver,
  type RevocationCheck,
} from './ports';
import { RevocationPoller } from './revocation.poller';

export interface BearerAuthOptions {
  /** Modules providing `keyResolver` and `revocationCheck`. */
  imports?: ModuleMetadata['imports'];
  /** Where verification keys come from; default: the auth-server's JWKS (JwksKeyResolver). */
  keyResolver?: Type<KeyResolver>;
  /** Which tokens are revoked; default: the auth-server's revocation feed (RevocationPoller). */
  revocationCheck?: Type<RevocationCheck>;
}

/** The app's own Authenticator, which its BearerStrategy registered itself with. */
const bearerPassport = (strategy: BearerStrategy): BearerPassport => strategy.getPassportInstance();

/**
 * Bearer-token verification for a service: one strategy (passport-jwt), one guard, whatever
 * the keys' source. Resource servers take the defaults (the auth-server's JWKS and revocation
 * feed over HTTP); the auth-server hands in its own signing keys and revocations, behind the
 * same KeyResolver and RevocationCheck ports.
 */
@Module({})
export class BearerAuthModule {
  static forRoot(options: BearerAuthOptions = {}): DynamicModule {
    const keyResolver = options.keyResolver ?? JwksKeyResolver;
    const revocationCheck = options.revocationCheck ?? RevocationPoller;
    const own = [keyResolver, revocationCheck].filter(
      (provider) => provider === JwksKeyResolver || provider === RevocationPoller,
    );
    return {
      module: BearerAuthModule,
      global: true,
      imports: options.imports ?? [],
      providers: [
        ...own,
        { provide: KEY_RESOLVER, useExisting: keyResolver },
        { provide: REVOCATION_CHECK, useExisting: revocationCheck },
        BearerStrategy,
        { provide: BEARER_PASSPORT, useFactory: bearerPassport, inject: [BearerStrategy] },
        BearerAuthGuard,
        ScopesGuard,
        InstitutionGuard,
      ],
      exports: [BEARER_PASSPORT, BearerAuthGuard, ScopesGuard, InstitutionGuard],
    };
  }

  /** A resource server's verification: forRoot() with its defaults. */
  static remote(): DynamicModule {
    return BearerAuthModule.forRoot();
  }
}

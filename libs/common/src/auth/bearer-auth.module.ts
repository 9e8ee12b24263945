import { randomUUID } from 'node:crypto';
import {
  DynamicModule,
  Module,
  type ModuleMetadata,
  type Provider,
  type Type,
} from '@nestjs/common';
import { PassportModule } from '@nestjs/passport';
import { BearerStrategy } from './bearer.strategy';
import { BearerAuthGuard, InstitutionGuard, ScopesGuard } from './guards';
import { JwksKeyResolver } from './jwks.key-resolver';
import {
  KEY_RESOLVER,
  REVOCATION_CHECK,
  STRATEGY_NAME,
  type KeyResolver,
  type RevocationCheck,
} from './ports';
import { RevocationPoller } from './revocation.poller';

@Module({
  providers: [{ provide: STRATEGY_NAME, useFactory: () => `bearer-${randomUUID()}` }],
  exports: [STRATEGY_NAME],
})
class StrategyNameModule {}

export interface LocalVerification {
  imports: ModuleMetadata['imports'];
  keyResolver: Type<KeyResolver>;
  revocationCheck: Type<RevocationCheck>;
}

/**
 * Bearer-token verification for a service. `remote()` is for resource servers (JWKS and
 * revocations from the auth-server over HTTP); `local()` lets the auth-server protect its own
 * admin API with its in-process keys.
 */
@Module({})
export class BearerAuthModule {
  static remote(): DynamicModule {
    return BearerAuthModule.build(
      [],
      [
        { provide: KEY_RESOLVER, useClass: JwksKeyResolver },
        RevocationPoller,
        { provide: REVOCATION_CHECK, useExisting: RevocationPoller },
      ],
    );
  }

  static local(options: LocalVerification): DynamicModule {
    return BearerAuthModule.build(options.imports ?? [], [
      { provide: KEY_RESOLVER, useExisting: options.keyResolver },
      { provide: REVOCATION_CHECK, useExisting: options.revocationCheck },
    ]);
  }

  private static build(
    imports: NonNullable<ModuleMetadata['imports']>,
    providers: Provider[],
  ): DynamicModule {
    return {
      module: BearerAuthModule,
      global: true,
      imports: [
        ...imports,
        StrategyNameModule,
        PassportModule.registerAsync({
          imports: [StrategyNameModule],
          inject: [STRATEGY_NAME],
          useFactory: (name: string) => ({ defaultStrategy: name, session: false }),
        }),
      ],
      providers: [...providers, BearerStrategy, BearerAuthGuard, ScopesGuard, InstitutionGuard],
      exports: [PassportModule, BearerAuthGuard, ScopesGuard, InstitutionGuard],
    };
  }
}

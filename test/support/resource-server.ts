import { Controller, Get, Module } from '@nestjs/common';
import {
  BearerAuthModule,
  CommonEnv,
  PlatformModule,
  Principal,
  RequireScopes,
  Scope,
  type AccessPrincipal,
} from '@app/common';
import { startApp, type RunningApp } from './platform';

/** The smallest resource server: libs/common's bearer verification guarding one route. */
@Controller('probe')
class ProbeController {
  @Get()
  @RequireScopes(Scope.CustomersRead)
  read(@Principal() p: AccessPrincipal): Record<string, unknown> {
    return {
      subject: p.subject,
      clientId: p.clientId,
      institutionId: p.institutionId,
      scopes: [...p.scopes],
    };
  }
}

@Module({
  imports: [
    PlatformModule.forRoot({
      service: 'probe',
      env: CommonEnv,
      database: { schema: 'probe', entities: [], migrations: [] },
    }),
    BearerAuthModule.remote(),
  ],
  controllers: [ProbeController],
})
class ProbeModule {}

/** Starts it against the auth-server at `authUrl` (issuer = that URL, as startAuthServer sets). */
export function startResourceServer(env: Record<string, string>): Promise<RunningApp> {
  return startApp(
    ProbeModule,
    { title: 'probe', description: 'test resource server', portEnv: 'PROBE_PORT' },
    env,
  );
}

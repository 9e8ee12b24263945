import { Injectable, Logger, OnApplicationBootstrap } from '@nestjs/common';
import { FI_SCOPES, PLATFORM_INSTITUTION_ID, Scope } from '@app/common';
import { AuthEnv } from '../config/auth.env';
import { ClientsService } from './clients.service';

/** Client ids of the platform's own services. */
export const INTERNAL_CLIENT_IDS = {
  customerService: 'customer-service',
  activityService: 'activity-service',
  developerPortal: 'developer-portal',
} as const;

/**
 * Ensures the clients the environment names: the platform admin, the internal clients of the
 * customer-service, the activity-service and the developer portal, and, in sandbox mode, the
 * sandbox app.
 */
@Injectable()
export class ClientSeeder implements OnApplicationBootstrap {
  private readonly logger = new Logger(ClientSeeder.name);

  constructor(
    private readonly clients: ClientsService,
    private readonly env: AuthEnv,
  ) {}

  async onApplicationBootstrap(): Promise<void> {
    const env = this.env;
    if (env.ADMIN_CLIENT_ID && env.ADMIN_CLIENT_SECRET) {
      await this.clients.ensure(env.ADMIN_CLIENT_ID, env.ADMIN_CLIENT_SECRET, {
        institutionId: PLATFORM_INSTITUTION_ID,
        name: 'Platform admin',
        scopes: [Scope.ClientsAdmin],
        grantTypes: ['client_credentials'],
      });
      this.logger.log({ clientId: env.ADMIN_CLIENT_ID }, 'platform admin client ensured');
    }
    if (env.CUSTOMER_SERVICE_CLIENT_SECRET) {
      await this.clients.ensure(
        INTERNAL_CLIENT_IDS.customerService,
        env.CUSTOMER_SERVICE_CLIENT_SECRET,
        {
          institutionId: PLATFORM_INSTITUTION_ID,
          name: 'customer-service (internal)',
          // Its default scope stays the one it asks for by name when it delivers events.
          scopes: [Scope.InternalEventsWrite, Scope.InternalRevocationsRead],
          defaultScopes: [Scope.InternalEventsWrite],
          grantTypes: ['client_credentials'],
        },
      );
    }
    if (env.ACTIVITY_SERVICE_CLIENT_SECRET) {
      await this.clients.ensure(
        INTERNAL_CLIENT_IDS.activityService,
        env.ACTIVITY_SERVICE_CLIENT_SECRET,
        {
          institutionId: PLATFORM_INSTITUTION_ID,
          name: 'activity-service (internal)',
          scopes: [Scope.InternalRevocationsRead],
          grantTypes: ['client_credentials'],
        },
      );
    }
    if (env.PORTAL_CLIENT_SECRET) {
      // A platform admin (any FI's clients, try-it tokens) that also resets sandbox FIs' data.
      await this.clients.ensure(INTERNAL_CLIENT_IDS.developerPortal, env.PORTAL_CLIENT_SECRET, {
        institutionId: PLATFORM_INSTITUTION_ID,
        name: 'developer-portal (internal)',
        scopes: [Scope.ClientsAdmin, Scope.InternalSandboxAdmin],
        grantTypes: ['client_credentials'],
      });
      this.logger.log(
        { clientId: INTERNAL_CLIENT_IDS.developerPortal },
        'developer portal client ensured',
      );
    }
    if (env.SANDBOX_MODE && env.SANDBOX_CLIENT_SECRET) {
      await this.clients.ensure(env.SANDBOX_CLIENT_ID, env.SANDBOX_CLIENT_SECRET, {
        institutionId: env.SANDBOX_INSTITUTION_ID,
        name: 'Sandbox app',
        scopes: [...FI_SCOPES],
        grantTypes: ['client_credentials', 'password', 'refresh_token'],
      });
      this.logger.log(
        { clientId: env.SANDBOX_CLIENT_ID, institutionId: env.SANDBOX_INSTITUTION_ID },
        'sandbox client ensured',
      );
    }
  }
}

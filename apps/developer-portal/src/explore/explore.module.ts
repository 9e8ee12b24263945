import { Module } from '@nestjs/common';
import { PortalEnv } from '../config/portal.env';
import { ActivityClient } from './activity.client';
import { DeliveriesController } from './deliveries/deliveries.controller';
import { DeliveriesService } from './deliveries/deliveries.service';
import { publicApiBases } from './public-apis';
import { ReferenceController } from './reference/reference.controller';
import { ReferenceDocuments } from './reference/reference.documents';
import { SandboxTokenService } from './sandbox-token.service';
import { TestDriveController } from './test-drive/test-drive.controller';
import { TestDriveService } from './test-drive/test-drive.service';

/**
 * The explore pages (/reference, /test-drive, /deliveries): controllers, templates
 * (explore/views) and scripts and styles (explore/assets, served at /assets/explore/). Every API
 * call is made with a short-lived token minted for the signed-in developer's own app
 * (SandboxTokenService), never with a secret.
 */
@Module({
  controllers: [TestDriveController, ReferenceController, DeliveriesController],
  providers: [
    SandboxTokenService,
    TestDriveService,
    DeliveriesService,
    {
      provide: ActivityClient,
      inject: [PortalEnv],
      useFactory: (env: PortalEnv) =>
        new ActivityClient(env.activityServiceUrl, env.PLATFORM_TIMEOUT_MS),
    },
    {
      provide: ReferenceDocuments,
      inject: [PortalEnv],
      useFactory: (env: PortalEnv) => {
        const bases = publicApiBases(env);
        return new ReferenceDocuments(
          [
            {
              name: 'auth-server',
              internalUrl: env.authInternalUrl,
              publicUrl: bases['auth-server'],
            },
            {
              name: 'customer-service',
              internalUrl: env.customerServiceUrl,
              publicUrl: bases['customer-service'],
            },
            {
              name: 'activity-service',
              internalUrl: env.activityServiceUrl,
              publicUrl: bases['activity-service'],
            },
          ],
          bases['auth-server'],
        );
      },
    },
  ],
})
export class ExploreModule {}

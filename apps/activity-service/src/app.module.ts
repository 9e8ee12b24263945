import { Module } from '@nestjs/common';
import {
  BearerAuthModule,
  PlatformModule,
  READINESS_CHECK,
  type ReadinessCheck,
} from '@app/common';
import { CatalogueController } from './catalogue/catalogue.controller';
import { TokenSigner } from './common/token-signer';
import { ActivityEnv } from './config/activity.env';
import { activityDatabase } from './database';
import { DELIVERY_CONTROLLERS, DELIVERY_PROVIDERS } from './delivery/delivery.providers';
import {
  DELIVERY_FILES_CONTROLLERS,
  DELIVERY_FILES_PROVIDERS,
} from './delivery/files/delivery-files.providers';
import { ExportController } from './export/export.controller';
import { ExportService } from './export/export.service';
import { FeedController } from './feed/feed.controller';
import { FeedMetrics } from './feed/feed.metrics';
import { FeedNotifier } from './feed/feed.notifier';
import { FeedService } from './feed/feed.service';
import { FeedStream } from './feed/feed.stream';
import { FeedRepository } from './feed/feed.repository';
import { EventRepository } from './ingest/event.repository';
import { IngestController } from './ingest/ingest.controller';
import { IngestService } from './ingest/ingest.service';
import { ActivityRepository } from './search/activity.repository';
import { SearchController } from './search/search.controller';
import { SandboxController } from './sandbox/sandbox.controller';
import { SandboxRepository } from './sandbox/sandbox.repository';
import { SandboxService } from './sandbox/sandbox.service';
import { SearchService } from './search/search.service';
import { ActivityDatabase } from './storage/activity-database';
import { PartitionMaintainer } from './storage/partition.maintainer';
import { PartitionRepository } from './storage/partition.repository';

@Module({
  imports: [
    PlatformModule.forRoot({
      service: 'activity-service',
      env: ActivityEnv,
      database: activityDatabase,
    }),
    BearerAuthModule.remote(),
  ],
  controllers: [
    SearchController,
    IngestController,
    FeedController,
    ExportController,
    CatalogueController,
    ...DELIVERY_CONTROLLERS,
    ...DELIVERY_FILES_CONTROLLERS,
    SandboxController,
  ],
  providers: [
    ActivityDatabase,
    {
      // /health/ready also pings the read replica, when one is set.
      provide: READINESS_CHECK,
      inject: [ActivityDatabase],
      useFactory: (db: ActivityDatabase): ReadinessCheck | undefined =>
        db.hasReplica
          ? { name: 'readReplica', check: (timeoutMs) => db.pingReplica(timeoutMs) }
          : undefined,
    },
    PartitionRepository,
    PartitionMaintainer,
    ActivityRepository,
    EventRepository,
    FeedRepository,
    TokenSigner,
    SearchService,
    IngestService,
    FeedNotifier,
    FeedService,
    FeedStream,
    FeedMetrics,
    ExportService,
    ...DELIVERY_PROVIDERS,
    ...DELIVERY_FILES_PROVIDERS,
    SandboxRepository,
    SandboxService,
  ],
})
export class ActivityServiceModule {}

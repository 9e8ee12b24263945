import { BatchBuilder } from './batch.builder';
import { DeliveryController } from './delivery.controller';
import { DeliveryDatabase } from './delivery.database';
import { DeliveryDispatcher } from './delivery.dispatcher';
import { DeliveryMetrics } from './delivery.metrics';
import { DeliveryRepository } from './delivery.repository';
import { DeliveryRetention } from './delivery.retention';
import { DeliverySecrets } from './delivery-secrets';
import { SubscriptionService } from './subscription.service';
import { WebhookClient } from './webhook.client';

/** Registered by the ActivityServiceModule (they share its database, feed and ingest). */
export const DELIVERY_CONTROLLERS = [DeliveryController];
export const DELIVERY_PROVIDERS = [
  DeliveryDatabase,
  DeliveryRepository,
  DeliverySecrets,
  WebhookClient,
  BatchBuilder,
  DeliveryDispatcher,
  SubscriptionService,
  DeliveryMetrics,
  DeliveryRetention,
];

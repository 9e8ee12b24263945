import type { UserType } from '../catalogue/event-catalogue';
import type { FilterGroup } from '../search/filter';
import type { UserIdType } from '../search/search.query';

/*
 * The seam between the delivery core (subscriptions, the durable delivery queue, the
 * dispatcher, realtime batches, webhooks) and the file side (delivery/files/**: windows,
 * the file builder, manifest signing, SFTP). Types only: no Nest, no SQL.
 */

export type Cadence = 'realtime' | 'hourly' | 'daily';
export type FileFormat = 'ndjson' | 'csv';
export type SubscriptionStatus = 'active' | 'paused';

/** A subscription's saved search: the search language's filters, already validated. */
export interface SubscriptionFilter {
  eventIds: string[];
  userType: UserType | null;
  userIdType: UserIdType;
  userIds: string[];
  companyIds: string[];
  /** additionalFilters, parsed by search/filter.ts. */
  additionalFilters: FilterGroup | null;
}

export interface WebhookDestination {
  type: 'webhook';
  url: string;
}

/** SFTP as stored and handed to deliverSftp: password / privateKey already unsealed. */
export interface SftpDestination {
  type: 'sftp';
  host: string;
  port: number;
  username: string;
  password?: string;
  privateKey?: string;
  directory: string;
  /** base64 (or hex) SHA-256 of the server's host key, as the subscriber gave it. */
  hostKeySha256: string;
}

export interface PullDestination {
  type: 'pull';
}

export type Destination = WebhookDestination | SftpDestination | PullDestination;

/** A subscription as stored (secrets unsealed in memory only, never returned by the API). */
export interface Subscription {
  id: string;
  institutionId: string;
  name: string;
  cadence: Cadence;
  /** IANA zone; windows of daily subscriptions end at midnight in it. Default 'UTC'. */
  timeZone: string;
  filter: SubscriptionFilter;
  /** null: every field and attribute (the search result's full shape). */
  requestedAttributes: string[] | null;
  /** Files only; always gzip. Default 'ndjson'. */
  format: FileFormat;
  destination: Destination;
  status: SubscriptionStatus;
  createdAt: Date;
}

/** A delivery window by commit time: start inclusive, end exclusive. */
export interface DeliveryWindow {
  start: Date;
  end: Date;
}

export type DeliveryType = 'batch' | 'file' | 'test';

/** One row of the durable delivery queue, as the dispatcher hands it out. */
export interface DeliveryJob {
  deliveryId: string;
  subscriptionId: string;
  sequence: number;
  previousSequence: number | null;
  type: DeliveryType;
  /** Files: the window (commit time) the file covers. */
  window?: DeliveryWindow;
  replay: boolean;
}

/** A built, stored file (kept for pull and downloads for the look-back window). */
export interface FileRef {
  fileId: string;
  /** hex SHA-256 of the gzip bytes. */
  sha256: string;
  bytes: number;
  count: number;
  format: FileFormat;
  /** The signed manifest as written beside the file. */
  manifest: Record<string, unknown>;
}

/**
 * Implemented by delivery/files, called by the dispatcher for hourly and daily
 * subscriptions. For webhook destinations the dispatcher then POSTs the
 * `banking-activities.file` body with a signed download URL (signedFileUrl); for sftp it calls
 * deliverSftp; for pull nothing more.
 */
export interface FileDelivery {
  /** Builds (idempotently per subscription + window + replay) and stores the file. */
  build(
    sub: Subscription,
    window: DeliveryWindow,
    opts: { replay: boolean; sequence: number | null; previousSequence: number | null },
  ): Promise<FileRef>;
  /** Uploads the file then its manifest; throws on failure (the dispatcher retries). */
  deliverSftp(sub: Subscription, file: FileRef): Promise<void>;
  /** A signed, expiring download URL for the file. */
  signedFileUrl?(sub: Subscription, file: FileRef): { url: string; expiresAt: Date };
  /**
   * The next window of `sub` after `after` (null: the first one after `createdAt`), from
   * windows.ts; the dispatcher enqueues it once it has ended and settled.
   */
  nextWindow?(sub: Subscription, after: DeliveryWindow | null): DeliveryWindow;
}

/** Nest injection token of the FileDelivery implementation (provided by the files module). */
export const FILE_DELIVERY = Symbol('FILE_DELIVERY');

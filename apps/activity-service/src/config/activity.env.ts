import { Transform } from 'class-transformer';
import { CommonEnv, IsPortSetting, toBool, toInt } from '@app/common';
import {
  IsBoolean,
  IsInt,
  IsNumber,
  IsString,
  Max,
  Min,
  MinLength,
  ValidateIf,
  registerDecorator,
  Matches,
  type ValidationArguments,
} from 'class-validator';

/** The value must be at least the named sibling setting (retention can never undercut search). */
function AtLeast(sibling: keyof ActivityEnv) {
  return (target: object, propertyName: string) =>
    registerDecorator({
      name: 'atLeast',
      target: target.constructor,
      propertyName,
      constraints: [sibling],
      options: { message: `${propertyName} must be at least ${String(sibling)}` },
      validator: {
        validate: (value: unknown, args: ValidationArguments) =>
          typeof value === 'number' &&
          value >= ((args.object as Record<string, unknown>)[sibling] as number),
      },
    });
}

/** The activity-service's configuration, validated once at start. */
export class ActivityEnv extends CommonEnv {
  /** The port this service listens on (0: any free port). */
  @IsPortSetting()
  ACTIVITY_PORT = 3003;

  /** How far back a search may start (BAS_10002 beyond it). */
  @toInt()
  @IsInt()
  @Min(1)
  @Max(3660)
  ACTIVITY_MAX_LOOKBACK_DAYS = 93;

  /** Events older than this are refused at ingest, and their partitions dropped. */
  @toInt()
  @IsInt()
  @Min(1)
  @Max(3660)
  @AtLeast('ACTIVITY_MAX_LOOKBACK_DAYS')
  ACTIVITY_RETENTION_DAYS = 400;

  /** Partitions are kept ready this many days ahead of now. */
  @toInt()
  @IsInt()
  @Min(1)
  @Max(90)
  ACTIVITY_PARTITION_PREMAKE_DAYS = 14;

  /** How far in the future an event's timeStamp may lie (producers' clock skew). */
  @toInt()
  @IsInt()
  @Min(0)
  @Max(86_400)
  ACTIVITY_MAX_FUTURE_SKEW_SECONDS = 300;

  /**
   * HMAC key of page tokens and feed cursors (32+ characters). Outside production a random key
   * is made at start when unset, so tokens then only work with the instance that issued them.
   */
  @ValidateIf(
    (e: ActivityEnv) => e.NODE_ENV === 'production' || e.ACTIVITY_PAGE_TOKEN_KEY !== undefined,
  )
  @IsString()
  @MinLength(32, { message: 'ACTIVITY_PAGE_TOKEN_KEY must be at least 32 characters' })
  ACTIVITY_PAGE_TOKEN_KEY?: string;

  /**
   * Largest body of the batch endpoint (up to 5,000 events); every other route keeps
   * BODY_LIMIT_BYTES.
   */
  @toInt()
  @IsInt()
  @Min(1024)
  ACTIVITY_BATCH_BODY_LIMIT_BYTES = 16 * 1_048_576;

  /** SSE comment sent on an idle stream so proxies keep it open. */
  @toInt()
  @IsInt()
  @Min(1000)
  @Max(120_000)
  ACTIVITY_STREAM_HEARTBEAT_MS = 15_000;

  /**
   * Server-Sent-Event streams one client may hold open on one instance at once; past it, 429.
   * A stream holds a connection and a feed reader, so one token must not open thousands.
   */
  @toInt()
  @IsInt()
  @Min(1)
  @Max(10_000)
  ACTIVITY_STREAMS_PER_CLIENT = 10;

  /** How often partitions are created ahead and dropped past retention. */
  @toInt()
  @IsInt()
  @Min(1000)
  ACTIVITY_MAINTENANCE_INTERVAL_MS = 3_600_000;

  /**
   * statement_timeout of the service's main pool (search, feed, ingest): no hostile filter can
   * hold a connection longer. Exports have their own pool without it.
   */
  @toInt()
  @IsInt()
  @Min(100)
  ACTIVITY_QUERY_TIMEOUT_MS = 15_000;

  /**
   * A streaming replica of DATABASE_URL (postgres:// URL) that searches and exports read from;
   * `Consistency: strong` on a request reads the primary instead. Unset: everything uses
   * DATABASE_URL. Ingest, the feed and delivery always use the primary. Checked by /health/ready.
   */
  @ValidateIf((e: ActivityEnv) => e.ACTIVITY_READ_DATABASE_URL !== undefined)
  @IsString()
  @Matches(/^postgres(ql)?:\/\/\S+$/, {
    message: 'ACTIVITY_READ_DATABASE_URL must be a postgres:// URL',
  })
  ACTIVITY_READ_DATABASE_URL?: string;

  /** Connections reserved for exports, so long downloads never starve searches and ingest. */
  @toInt()
  @IsInt()
  @Min(1)
  @Max(100)
  ACTIVITY_EXPORT_POOL_SIZE = 4;

  /**
   * Key sealing webhook secrets and SFTP credentials at rest (AES-256-GCM): 32 bytes as
   * base64url or 64 hex characters. Required in production; outside it a random key is made at
   * start when unset (sealed secrets then only open in that process).
   */
  @ValidateIf(
    (e: ActivityEnv) => e.NODE_ENV === 'production' || e.DELIVERY_SECRET_KEY !== undefined,
  )
  @IsString()
  @Matches(/^([0-9a-fA-F]{64}|[A-Za-z0-9_-]{43}=?)$/, {
    message: 'DELIVERY_SECRET_KEY must be 32 bytes as base64url or 64 hex characters',
  })
  DELIVERY_SECRET_KEY?: string;

  /**
   * Sandbox mode for webhook targets: http and loopback/private addresses allowed (a developer
   * receiving on their own machine). Off: https to public addresses only, checked when saved
   * and at connect time.
   */
  @toBool()
  @IsBoolean()
  DELIVERY_ALLOW_PRIVATE_TARGETS = false;

  /** How often each replica claims due deliveries (and the realtime batcher looks for events). */
  @toInt()
  @IsInt()
  @Min(50)
  @Max(60_000)
  DELIVERY_POLL_INTERVAL_MS = 1000;

  /** Timeout of one webhook attempt (connect to last byte). */
  @toInt()
  @IsInt()
  @Min(100)
  @Max(60_000)
  DELIVERY_TIMEOUT_MS = 10_000;

  /** Multiplies the retry schedule (5 s, 5 min, 30 min, 2 h, 5 h, 10 h, ...); tests shrink it. */
  @Transform(({ value }) => (value === undefined || value === '' ? undefined : Number(value)))
  @IsNumber()
  @Min(0.00001)
  @Max(100)
  DELIVERY_BACKOFF_SCALE = 1;

  /** A subscription failing this long is paused (default 5 days). */
  @toInt()
  @IsInt()
  @Min(1)
  DELIVERY_PAUSE_AFTER_SECONDS = 5 * 86_400;

  /** Most events a replay may deliver as realtime batches in one request. */
  @toInt()
  @IsInt()
  @Min(1)
  DELIVERY_REPLAY_MAX_EVENTS = 100_000;

  // Delivery files (delivery/files): hourly and daily windows, manifests, SFTP, pull.

  /**
   * How long after a window's end its file is built: batches sequenced before the end have
   * committed by then (one that commits later goes into the next file, never lost).
   */
  @toInt()
  @IsInt()
  @Min(0)
  @Max(3_600_000)
  ACTIVITY_DELIVERY_SETTLE_MS = 120_000;

  /**
   * Key sealing the Ed25519 manifest-signing keys at rest (AES-256-GCM): 32 bytes as base64url
   * or 64 hex characters. Required in production (share it between replicas); outside it a
   * random key is made at start when unset, and keys sealed under another one are replaced.
   */
  @ValidateIf(
    (e: ActivityEnv) =>
      e.NODE_ENV === 'production' || e.ACTIVITY_DELIVERY_KEY_ENCRYPTION_KEY !== undefined,
  )
  @IsString()
  @Matches(/^([0-9a-fA-F]{64}|[A-Za-z0-9_-]{43}=?)$/, {
    message:
      'ACTIVITY_DELIVERY_KEY_ENCRYPTION_KEY must be 32 bytes as base64url or 64 hex characters',
  })
  ACTIVITY_DELIVERY_KEY_ENCRYPTION_KEY?: string;

  /** A new manifest-signing key is made when the newest is this old; old ones stay published. */
  @toInt()
  @IsInt()
  @Min(1)
  @Max(3660)
  ACTIVITY_DELIVERY_KEY_ROTATION_DAYS = 90;

  /** Lifetime of a signed file download link (webhook file deliveries). */
  @toInt()
  @IsInt()
  @Min(60)
  @Max(30 * 86_400)
  ACTIVITY_DELIVERY_FILE_URL_TTL_SECONDS = 86_400;

  /**
   * Origin (and path prefix) this service is reached at by subscribers, for signed download
   * links; default http://localhost:ACTIVITY_PORT.
   */
  @ValidateIf((e: ActivityEnv) => e.ACTIVITY_PUBLIC_URL !== undefined)
  @IsString()
  @Matches(/^https?:\/\/[^\s/?#]+(\/[^\s?#]*)?$/, {
    message: 'ACTIVITY_PUBLIC_URL must be an http(s) URL without query or fragment',
  })
  ACTIVITY_PUBLIC_URL?: string;

  /**
   * How long delivery files, finished deliveries and their attempts (the delivery log) are kept:
   * the look-back window by default, since a replay may only ask for that range and the
   * contract keeps files for it. Pending deliveries, and the files they or a subscription's
   * next window still need, are kept whatever their age.
   */
  @toInt()
  @IsInt()
  @Min(1)
  @Max(3660)
  @AtLeast('ACTIVITY_MAX_LOOKBACK_DAYS')
  ACTIVITY_DELIVERY_RETENTION_DAYS = 93;

  /** How often delivery rows and files older than ACTIVITY_DELIVERY_RETENTION_DAYS are purged. */
  @toInt()
  @IsInt()
  @Min(1000)
  ACTIVITY_DELIVERY_FILE_PURGE_INTERVAL_MS = 3_600_000;

  /** Timeout of each SFTP step (connect and authenticate, each directory, each upload's idle time). */
  @toInt()
  @IsInt()
  @Min(100)
  @Max(120_000)
  ACTIVITY_SFTP_TIMEOUT_MS = 10_000;
}

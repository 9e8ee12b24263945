import { CommonEnv, IsPortSetting, toInt } from '@app/common';
import {
  IsInt,
  IsString,
  Max,
  Min,
  MinLength,
  ValidateIf,
  registerDecorator,
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

  /** Connections reserved for exports, so long downloads never starve searches and ingest. */
  @toInt()
  @IsInt()
  @Min(1)
  @Max(100)
  ACTIVITY_EXPORT_POOL_SIZE = 4;
}

import { PasswordHashingEnv, IsPortSetting, PASSWORD_FLOOR, toInt } from '@app/common';
import {
  IsInt,
  IsOptional,
  IsString,
  Matches,
  Max,
  Min,
  MinLength,
  ValidateIf,
} from 'class-validator';

const KEY_32_BYTES = /^([0-9a-fA-F]{64}|[A-Za-z0-9_-]{43}=?)$/;
/** `fi-one:8,fi-two:12`: FIs that add a second factor may lower the minimum, never below 8. */
const LENGTH_OVERRIDES = /^$|^[A-Za-z0-9_-]{1,64}:\d{1,2}(,[A-Za-z0-9_-]{1,64}:\d{1,2})*$/;

export { PASSWORD_FLOOR };

/** The customer-service's configuration, validated once at start. */
export class CustomerEnv extends PasswordHashingEnv {
  /** The port this service listens on (0: any free port). */
  @IsPortSetting()
  CUSTOMER_PORT = 3002;

  /**
   * AES-256-GCM key sealing SSNs at rest (64 hex chars or 43 base64url chars). Required in
   * production; elsewhere a key is generated once and kept in SSN_KEY_FILE.
   */
  @ValidateIf((e: CustomerEnv) => e.NODE_ENV === 'production' || e.SSN_ENCRYPTION_KEY !== undefined)
  @Matches(KEY_32_BYTES, { message: 'SSN_ENCRYPTION_KEY must be 32 bytes as hex or base64url' })
  SSN_ENCRYPTION_KEY?: string;

  /** Where a development key is kept when SSN_ENCRYPTION_KEY is not set (never in production). */
  @IsString()
  SSN_KEY_FILE = '.data/ssn-encryption.key';

  /** Client this service authenticates as when it delivers events (docs/internal-apis.md). */
  @Matches(/^[A-Za-z0-9._~-]{3,64}$/)
  CUSTOMER_SERVICE_CLIENT_ID = 'customer-service';

  @IsOptional()
  @IsString()
  @MinLength(32)
  CUSTOMER_SERVICE_CLIENT_SECRET?: string;

  /** The activity-service; without it (or the client secret) events wait in the outbox. */
  @IsOptional()
  @Matches(/^https?:\/\/.+/)
  ACTIVITY_SERVICE_URL?: string;

  /** Minimum password length in code points (NIST SP 800-63B-4: 15 for a password alone). */
  @toInt()
  @IsInt()
  @Min(PASSWORD_FLOOR)
  @Max(64)
  PASSWORD_MIN_LENGTH = 15;

  /** Per-FI minimums (`fi:length,...`), for FIs that require a second factor. */
  @Matches(LENGTH_OVERRIDES, {
    message: 'PASSWORD_MIN_LENGTH_BY_INSTITUTION must look like fi-one:8,fi-two:12',
  })
  PASSWORD_MIN_LENGTH_BY_INSTITUTION = '';

  /** Consecutive failed logins that lock a customer. */
  @toInt()
  @IsInt()
  @Min(1)
  @Max(100)
  MAX_FAILED_LOGINS = 5;

  /** How long an Idempotency-Key and its response are kept (the contract asks for 24 h at least). */
  @toInt()
  @IsInt()
  @Min(24)
  @Max(24 * 30)
  IDEMPOTENCY_TTL_HOURS = 24;

  /** Registrations allowed per client, and per client address, in each window. */
  @toInt()
  @IsInt()
  @Min(1)
  REGISTRATION_LIMIT_PER_CLIENT = 600;

  @toInt()
  @IsInt()
  @Min(1)
  REGISTRATION_LIMIT_PER_ADDRESS = 60;

  @toInt()
  @IsInt()
  @Min(1)
  @Max(86_400)
  REGISTRATION_WINDOW_SECONDS = 60;

  /** Outbox delivery: poll interval, batch size and retry backoff (exponential, capped). */
  @toInt()
  @IsInt()
  @Min(50)
  @Max(60_000)
  OUTBOX_POLL_MS = 1_000;

  @toInt()
  @IsInt()
  @Min(1)
  @Max(5_000)
  OUTBOX_BATCH_SIZE = 200;

  @toInt()
  @IsInt()
  @Min(10)
  OUTBOX_RETRY_BASE_MS = 1_000;

  @toInt()
  @IsInt()
  @Min(100)
  OUTBOX_RETRY_MAX_MS = 300_000;

  /** Delivered events are deleted after this many days. */
  @toInt()
  @IsInt()
  @Min(1)
  OUTBOX_RETENTION_DAYS = 7;

  /** How often scheduled disclosure versions are checked for taking effect. */
  @toInt()
  @IsInt()
  @Min(100)
  @Max(3_600_000)
  DISCLOSURE_ACTIVATION_POLL_MS = 15_000;

  /** How often expired idempotency records, rate-limit windows and old events are purged. */
  @toInt()
  @IsInt()
  @Min(1_000)
  HOUSEKEEPING_INTERVAL_MS = 600_000;

  /** The minimum password length for an FI. */
  passwordMinLength(institutionId: string): number {
    for (const pair of this.PASSWORD_MIN_LENGTH_BY_INSTITUTION.split(',')) {
      const [fi, length] = pair.split(':');
      if (fi === institutionId) return Math.max(PASSWORD_FLOOR, Number(length));
    }
    return this.PASSWORD_MIN_LENGTH;
  }

  get activityServiceUrl(): string | undefined {
    return this.ACTIVITY_SERVICE_URL?.replace(/\/$/, '');
  }
}

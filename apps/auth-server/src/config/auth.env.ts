import { CommonEnv, IsPortSetting, toBool, toInt } from '@app/common';
import {
  IsBoolean,
  IsInt,
  IsOptional,
  IsString,
  Matches,
  Max,
  MaxLength,
  Min,
  MinLength,
  ValidateBy,
  ValidateIf,
  type ValidationArguments,
} from 'class-validator';

const KEY_32_BYTES = /^([0-9a-fA-F]{64}|[A-Za-z0-9_-]{43}=?)$/;

/** The auth-server's configuration, validated once at start. */
export class AuthEnv extends CommonEnv {
  /** The port this service listens on (0: any free port). */
  @IsPortSetting()
  AUTH_PORT = 3001;

  /** At most ACCESS_TOKEN_MAX_LIFETIME_SECONDS, or every service would refuse the tokens. */
  @toInt()
  @IsInt()
  @Min(60)
  @Max(86_400)
  @ValidateBy({
    name: 'withinMaxLifetime',
    validator: {
      validate: (value: unknown, args?: ValidationArguments) =>
        typeof value === 'number' &&
        value <= (args!.object as AuthEnv).ACCESS_TOKEN_MAX_LIFETIME_SECONDS,
      defaultMessage: () =>
        'ACCESS_TOKEN_TTL_SECONDS must not exceed ACCESS_TOKEN_MAX_LIFETIME_SECONDS',
    },
  })
  ACCESS_TOKEN_TTL_SECONDS = 900;

  @toInt()
  @IsInt()
  @Min(300)
  @Max(90 * 86_400)
  REFRESH_TOKEN_TTL_SECONDS = 30 * 86_400;

  /** Key of the HMAC that client secrets are stored under. */
  @IsString()
  @MinLength(32)
  CLIENT_SECRET_PEPPER!: string;

  /** AES-256 key sealing the signing keys at rest (64 hex chars or 43 base64url chars). */
  @Matches(KEY_32_BYTES, { message: 'KEY_ENCRYPTION_KEY must be 32 bytes as hex or base64url' })
  KEY_ENCRYPTION_KEY!: string;

  /** A platform admin client (scope clients:admin) ensured at start when both are set. */
  @IsOptional()
  @Matches(/^[A-Za-z0-9._~-]{3,64}$/)
  ADMIN_CLIENT_ID?: string;

  @ValidateIf((e: AuthEnv) => e.ADMIN_CLIENT_ID !== undefined)
  @IsString()
  @MinLength(32, { message: 'ADMIN_CLIENT_SECRET must be at least 32 characters' })
  ADMIN_CLIENT_SECRET?: string;

  /** Sandbox mode: a ready client for a sandbox FI with every FI scope (local runs only). */
  @toBool()
  @IsBoolean()
  SANDBOX_MODE = false;

  @Matches(/^[A-Za-z0-9_-]{1,64}$/)
  SANDBOX_INSTITUTION_ID = 'sandbox-fi';

  @Matches(/^[A-Za-z0-9._~-]{3,64}$/)
  SANDBOX_CLIENT_ID = 'sandbox-app';

  @ValidateIf((e: AuthEnv) => e.SANDBOX_MODE)
  @IsString()
  @MinLength(32)
  @MaxLength(256)
  SANDBOX_CLIENT_SECRET?: string;

  /**
   * Secret of the `customer-service` internal client (scopes internal:events:write, to deliver
   * customer events to the activity-service for any FI, and internal:revocations:read).
   * Ensured at start when set.
   */
  @IsOptional()
  @IsString()
  @MinLength(32)
  CUSTOMER_SERVICE_CLIENT_SECRET?: string;

  /**
   * Secret of the `activity-service` internal client (scope internal:revocations:read), which
   * reads the revocation feed. Ensured at start when set.
   */
  @IsOptional()
  @IsString()
  @MinLength(32)
  ACTIVITY_SERVICE_CLIENT_SECRET?: string;

  /**
   * Secret of the `developer-portal` internal client (institution `platform`, scopes
   * clients:admin and internal:sandbox:admin): the portal manages its developers' apps through
   * the admin API and wipes and seeds their sandbox FIs. Ensured at start when set; the portal
   * reads the same variable.
   */
  @IsOptional()
  @IsString()
  @MinLength(32, { message: 'PORTAL_CLIENT_SECRET must be at least 32 characters' })
  @MaxLength(256)
  PORTAL_CLIENT_SECRET?: string;

  /** customer-service, for the password grant's credential check. */
  @Matches(/^https?:\/\/.+/)
  CUSTOMER_SERVICE_URL = 'http://localhost:3002';

  /**
   * Failed client authentications tolerated per (client id, address) in the window; past it
   * that pair is refused for FAILED_AUTH_BLOCK_SECONDS, even with the right secret.
   */
  @toInt()
  @IsInt()
  @Min(1)
  FAILED_AUTH_LIMIT = 10;

  /** The same per address, whatever the client ids (one address guessing many clients). */
  @toInt()
  @IsInt()
  @Min(1)
  FAILED_AUTH_ADDRESS_LIMIT = 30;

  /**
   * Failures per client id from every address together before each failing address is refused
   * at its first failure. Never refuses a right secret from an address that has not failed, so
   * that nobody can lock a client out by knowing its id.
   */
  @toInt()
  @IsInt()
  @Min(1)
  FAILED_AUTH_CLIENT_LIMIT = 200;

  @toInt()
  @IsInt()
  @Min(1)
  FAILED_AUTH_WINDOW_SECONDS = 60;

  @toInt()
  @IsInt()
  @Min(1)
  FAILED_AUTH_BLOCK_SECONDS = 60;

  /**
   * How long a key found not blocked is believed without asking PostgreSQL again (0: ask on
   * every token request). A block made by another replica is seen within this time.
   */
  @toInt()
  @IsInt()
  @Min(0)
  @Max(10_000)
  FAILED_AUTH_CHECK_CACHE_MS = 1_000;

  /**
   * Failed password grants (wrong password, unknown or locked login id) tolerated per address
   * in the window; past it the address may not use the password grant for
   * PASSWORD_FAILURE_BLOCK_SECONDS. Sized for people sharing a NAT, not for one person.
   */
  @toInt()
  @IsInt()
  @Min(1)
  PASSWORD_FAILURE_LIMIT = 20;

  /**
   * Failed password grants per client from every address together; past it, each address is
   * held back at its first failure (stuffing from many addresses), while customers who have not
   * failed still log in.
   */
  @toInt()
  @IsInt()
  @Min(1)
  PASSWORD_FAILURE_CLIENT_LIMIT = 1_000;

  @toInt()
  @IsInt()
  @Min(1)
  PASSWORD_FAILURE_WINDOW_SECONDS = 300;

  @toInt()
  @IsInt()
  @Min(1)
  PASSWORD_FAILURE_BLOCK_SECONDS = 300;

  /** How long a client record is reused before it is read again (secret rotation, disable). */
  @toInt()
  @IsInt()
  @Min(0)
  @Max(60_000)
  CLIENT_CACHE_TTL_MS = 5_000;

  /** How often signing keys are reloaded, to pick up a rotation done by another instance. */
  @toInt()
  @IsInt()
  @Min(1_000)
  KEY_REFRESH_MS = 30_000;
}

import { PasswordHashingEnv, IsPortSetting, toInt } from '@app/common';
import {
  IsInt,
  IsOptional,
  IsString,
  IsUrl,
  Matches,
  Max,
  Min,
  MinLength,
  ValidateIf,
} from 'class-validator';

const urlOptions = { require_tld: false, require_protocol: true, protocols: ['http', 'https'] };
const LOOPBACK_HOSTS = new Set(['localhost', '127.0.0.1', '[::1]']);

/** The developer portal's configuration, validated once at start (every problem listed). */
export class PortalEnv extends PasswordHashingEnv {
  /** The port this service listens on (0: any free port). */
  @IsPortSetting()
  PORTAL_PORT = 3004;

  /**
   * Where browsers reach the portal: links in mails, redirects, and the cookie's path and Secure
   * flag. Behind the gateway, e.g. https://api.example.com/portal (its path is the base path).
   */
  @IsUrl(urlOptions)
  @Matches(/^[^?#]*$/, { message: 'PORTAL_PUBLIC_URL must have no query or fragment' })
  PORTAL_PUBLIC_URL = 'http://localhost:3004';

  /** The portal's internal client at the auth-server (clients:admin, internal:sandbox:admin). */
  @Matches(/^[A-Za-z0-9._~-]{3,64}$/)
  PORTAL_CLIENT_ID = 'developer-portal';

  /** Its secret; without it nothing can be provisioned (required in production). */
  @ValidateIf((e: PortalEnv) => e.NODE_ENV === 'production' || e.PORTAL_CLIENT_SECRET !== undefined)
  @IsString()
  @MinLength(32, { message: 'PORTAL_CLIENT_SECRET must be at least 32 characters' })
  PORTAL_CLIENT_SECRET?: string;

  /**
   * The key CSRF tokens are signed with (HMAC). Required in production, where replicas must
   * agree; elsewhere a random key per start (open forms then need a reload after a restart).
   */
  @ValidateIf((e: PortalEnv) => e.NODE_ENV === 'production' || e.PORTAL_CSRF_KEY !== undefined)
  @IsString()
  @MinLength(32, { message: 'PORTAL_CSRF_KEY must be at least 32 characters' })
  PORTAL_CSRF_KEY?: string;

  /** The customer-service and activity-service as the portal reaches them (sandbox seeding). */
  @IsUrl(urlOptions)
  CUSTOMER_SERVICE_URL = 'http://localhost:3002';

  @IsUrl(urlOptions)
  ACTIVITY_SERVICE_URL = 'http://localhost:3003';

  /**
   * Where developers reach the APIs (Postman environments, curl lines): the gateway's public URL
   * when set; otherwise AUTH_ISSUER and the two services' URLs above (local: the same).
   */
  @IsOptional()
  @IsUrl(urlOptions)
  PUBLIC_API_URL?: string;

  /** How long one call to another service may take. */
  @toInt()
  @IsInt()
  @Min(500)
  @Max(120_000)
  PLATFORM_TIMEOUT_MS = 30_000;

  /**
   * A nodemailer URL (smtp://, smtps://). Unset outside production: mail is caught in-process
   * and shown at /dev/mail. Required in production.
   */
  @ValidateIf((e: PortalEnv) => e.NODE_ENV === 'production' || e.SMTP_URL !== undefined)
  @Matches(/^smtps?:\/\/.+/, { message: 'SMTP_URL must be an smtp:// or smtps:// URL' })
  SMTP_URL?: string;

  @IsString()
  @MinLength(3)
  MAIL_FROM = 'Developer Portal <no-reply@localhost>';

  /** The local mail catcher's port when SMTP_URL is unset (0: any free port). */
  @IsPortSetting()
  MAIL_CATCHER_PORT = 0;

  /** A session ends after this long without a request... */
  @toInt()
  @IsInt()
  @Min(1)
  @Max(24 * 60)
  SESSION_IDLE_MINUTES = 60;

  /** ...and this long after sign-in at the latest. */
  @toInt()
  @IsInt()
  @Min(1)
  @Max(24 * 30)
  SESSION_ABSOLUTE_HOURS = 12;

  /** Minimum password length in code points (NIST SP 800-63B-4: 15 for a password alone). */
  @toInt()
  @IsInt()
  @Min(8)
  @Max(64)
  PASSWORD_MIN_LENGTH = 15;

  /** Login attempts allowed per address, and per email, in each window. */
  @toInt()
  @IsInt()
  @Min(1)
  LOGIN_LIMIT_PER_ADDRESS = 30;

  @toInt()
  @IsInt()
  @Min(1)
  LOGIN_LIMIT_PER_EMAIL = 10;

  /** Sign-ups and password-reset requests allowed per address, and mails per email, each window. */
  @toInt()
  @IsInt()
  @Min(1)
  SIGNUP_LIMIT_PER_ADDRESS = 10;

  @toInt()
  @IsInt()
  @Min(1)
  MAIL_LIMIT_PER_EMAIL = 5;

  @toInt()
  @IsInt()
  @Min(1)
  @Max(86_400)
  THROTTLE_WINDOW_SECONDS = 900;

  /** How often ended sessions, old links and ended rate-limit windows are purged. */
  @toInt()
  @IsInt()
  @Min(1_000)
  HOUSEKEEPING_INTERVAL_MS = 600_000;

  /** Verification links are valid this long (the issue asks for 24 h), reset links this long. */
  @toInt()
  @IsInt()
  @Min(1)
  @Max(72)
  VERIFY_LINK_HOURS = 24;

  @toInt()
  @IsInt()
  @Min(5)
  @Max(24 * 60)
  RESET_LINK_MINUTES = 60;

  /** The portal is pages, not an API: no Swagger UI or OpenAPI document of its own. */
  override get docsEnabled(): boolean {
    return false;
  }

  /** The portal's public URL without a trailing slash. */
  get publicUrl(): string {
    return this.PORTAL_PUBLIC_URL.replace(/\/$/, '');
  }

  /** The path the portal is served under ('' at the root; '/portal' behind the gateway). */
  get basePath(): string {
    return new URL(this.publicUrl).pathname.replace(/\/$/, '');
  }

  /** Cookies are Secure everywhere except plain http on a loopback host (local development). */
  get secureCookies(): boolean {
    const url = new URL(this.publicUrl);
    return !(url.protocol === 'http:' && LOOPBACK_HOSTS.has(url.hostname));
  }

  /** Mail is caught in-process (and /dev/mail shown) only outside production without SMTP_URL. */
  get catchesMail(): boolean {
    return this.NODE_ENV !== 'production' && this.SMTP_URL === undefined;
  }

  /** The APIs as developers call them: one gateway origin, or each service's own URL. */
  get publicApiUrls(): { auth: string; customer: string; activity: string } {
    const gateway = this.PUBLIC_API_URL?.replace(/\/$/, '');
    if (gateway) return { auth: gateway, customer: gateway, activity: gateway };
    return {
      auth: this.AUTH_ISSUER.replace(/\/$/, ''),
      customer: this.customerServiceUrl,
      activity: this.activityServiceUrl,
    };
  }

  get customerServiceUrl(): string {
    return this.CUSTOMER_SERVICE_URL.replace(/\/$/, '');
  }

  get activityServiceUrl(): string {
    return this.ACTIVITY_SERVICE_URL.replace(/\/$/, '');
  }
}

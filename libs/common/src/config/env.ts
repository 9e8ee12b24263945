import { plainToInstance, Transform } from 'class-transformer';
import {
  IsBoolean,
  IsIn,
  IsInt,
  isFQDN,
  isIP,
  IsOptional,
  IsString,
  IsUrl,
  Matches,
  Max,
  Min,
  MinLength,
  ValidateBy,
  ValidateIf,
  validateSync,
} from 'class-validator';
import { IsProxyList, toList } from './trusted-proxies';

/** Raised once at start when the environment does not describe a runnable service. */
export class ConfigError extends Error {
  constructor(readonly problems: string[]) {
    super(`Invalid configuration:\n  - ${problems.join('\n  - ')}`);
    this.name = 'ConfigError';
  }
}

export const toInt = () =>
  Transform(({ value }) =>
    value === undefined || value === '' ? undefined : Number.parseInt(String(value), 10),
  );

export const toBool = () =>
  Transform(({ value }) =>
    value === undefined || value === '' ? undefined : ['1', 'true', 'yes'].includes(String(value)),
  );

/**
 * Where configuration is read from: the process environment when a service runs on its own
 * (main.ts), an explicit record when it is started in-process (tests, scripts/local-platform.ts).
 */
export type EnvSource = Record<string, string | undefined>;

/**
 * The environment of this process, and the one place services read it: loadEnv's default source
 * (and reportStartupFailure's, which picks its format by NODE_ENV when the config is unreadable).
 */
export const processEnvSource = (): EnvSource => process.env;

/** A TCP port setting: an integer 0-65535 (0: any free port), digits only. */
export function IsPortSetting(): PropertyDecorator {
  const parse = Transform(({ value }) =>
    value === undefined || value === ''
      ? undefined
      : /^\d{1,5}$/.test(String(value))
        ? Number(value)
        : String(value),
  );
  const check = ValidateBy({
    name: 'isPortSetting',
    validator: {
      validate: (value: unknown) =>
        typeof value === 'number' && Number.isInteger(value) && value >= 0 && value <= 65_535,
      defaultMessage: (args) =>
        `${args?.property ?? 'port'} must be a port number (an integer 0-65535)`,
    },
  });
  return (target, key) => {
    parse(target, key);
    check(target, key as string);
  };
}

/** An IP address or a host name to listen on. */
const IsListenHost = () =>
  ValidateBy({
    name: 'isListenHost',
    validator: {
      validate: (value: unknown) =>
        typeof value === 'string' &&
        (isIP(value) || isFQDN(value, { require_tld: false, allow_underscores: false })),
      defaultMessage: () => 'HOST must be an IP address or a host name',
    },
  });

const urlOptions = { require_tld: false, require_protocol: true, protocols: ['http', 'https'] };

/**
 * Settings every service reads. Each app extends this with its own fields and gets one typed,
 * validated instance at start (see loadEnv, which reads process.env unless given another source).
 * Every setting is here, ports and HOST included: no service code reads process.env otherwise.
 */
export class CommonEnv {
  @IsIn(['development', 'test', 'production'])
  NODE_ENV: 'development' | 'test' | 'production' = 'development';

  @Matches(/^postgres(ql)?:\/\/.+/, { message: 'DATABASE_URL must be a postgres:// URL' })
  DATABASE_URL!: string;

  @toInt()
  @IsInt()
  @Min(1)
  @Max(200)
  DATABASE_POOL_SIZE = 10;

  /** The address the service listens on (its port is the app's own setting, e.g. AUTH_PORT). */
  @IsListenHost()
  HOST = '0.0.0.0';

  @IsIn(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'])
  LOG_LEVEL = 'info';

  /** Swagger UI at /docs and the OpenAPI document at /docs-json; off in production by default. */
  @toBool()
  @IsOptional()
  @IsBoolean()
  DOCS_ENABLED?: boolean;

  /** `iss` of every access token; the auth-server signs with it, resource servers require it. */
  @IsUrl(urlOptions)
  AUTH_ISSUER = 'http://localhost:3001';

  /** `aud` of every access token. */
  @IsString()
  AUTH_AUDIENCE = 'digital-banking-api';

  /** Where resource servers reach the auth-server (JWKS, revocations); defaults to the issuer. */
  @IsOptional()
  @IsUrl(urlOptions)
  AUTH_INTERNAL_URL?: string;

  /** How often resource servers pull revoked token ids; must stay under the contract's 5 s. */
  @toInt()
  @IsInt()
  @Min(100)
  @Max(4000)
  REVOCATION_POLL_MS = 2000;

  /**
   * The client this service reads the revocation feed with (client_credentials, scope
   * internal:revocations:read). Without it revoked tokens are not learnt (a warning says so).
   */
  @IsOptional()
  @Matches(/^[A-Za-z0-9._~-]{3,64}$/)
  AUTH_CLIENT_ID?: string;

  @ValidateIf((e: CommonEnv) => e.AUTH_CLIENT_ID !== undefined)
  @IsString()
  @MinLength(32, { message: 'AUTH_CLIENT_SECRET must be at least 32 characters' })
  AUTH_CLIENT_SECRET?: string;

  /** How often the JWKS is re-read; a key the auth-server stops publishing is refused within it. */
  @toInt()
  @IsInt()
  @Min(1000)
  @Max(600_000)
  JWKS_REFRESH_MS = 60_000;

  /**
   * Longest lifetime (exp - iat) an access token may claim; longer ones are refused. The
   * auth-server's ACCESS_TOKEN_TTL_SECONDS must not exceed it; set the same value everywhere.
   */
  @toInt()
  @IsInt()
  @Min(300)
  @Max(86_400)
  ACCESS_TOKEN_MAX_LIFETIME_SECONDS = 900;

  /** Largest JSON body accepted, in bytes. */
  @toInt()
  @IsInt()
  @Min(1024)
  BODY_LIMIT_BYTES = 1_048_576;

  /**
   * Proxies (IPs or CIDRs, comma-separated) whose X-Forwarded-For names the client address.
   * None by default: any other peer could otherwise pick its own address for every limit.
   */
  @toList()
  @IsProxyList()
  TRUSTED_PROXIES: string[] = [];

  /**
   * When set, GET /metrics asks for `Authorization: Bearer <METRICS_TOKEN>` (Prometheus:
   * `authorization: { credentials_file: ... }`). Unset, /metrics answers anyone who reaches the
   * service's port: the gateway never routes it, so that is the services' own network.
   */
  @IsOptional()
  @IsString()
  @MinLength(32, { message: 'METRICS_TOKEN must be at least 32 characters' })
  METRICS_TOKEN?: string;

  /**
   * OpenTelemetry: spans go over OTLP/HTTP to this collector when set, nowhere when unset. Read
   * by the preload (libs/common/src/telemetry/preload.ts) before the service loads; validated
   * here so that a bad value stops the start with the other configuration problems.
   */
  @IsOptional()
  @IsUrl(urlOptions)
  OTEL_EXPORTER_OTLP_ENDPOINT?: string;

  get docsEnabled(): boolean {
    return this.DOCS_ENABLED ?? this.NODE_ENV !== 'production';
  }

  get authInternalUrl(): string {
    return (this.AUTH_INTERNAL_URL ?? this.AUTH_ISSUER).replace(/\/$/, '');
  }
}

/** Validates `source` against `cls` once; throws ConfigError listing every problem. */
export function loadEnv<T extends object>(
  cls: new () => T,
  source: EnvSource = processEnvSource(),
): T {
  const picked: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(source)) {
    // An empty variable means "not set", so the default applies.
    if (value !== undefined && value !== '') picked[key] = value;
  }
  const instance = plainToInstance(cls, picked, { exposeDefaultValues: true });
  const errors = validateSync(instance, { whitelist: false, forbidUnknownValues: false });
  if (errors.length > 0) {
    throw new ConfigError(
      errors.map((e) => `${e.property}: ${Object.values(e.constraints ?? {}).join('; ')}`),
    );
  }
  return instance;
}

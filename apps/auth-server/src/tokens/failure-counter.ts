import { createHash } from 'node:crypto';
import type { DataSource } from 'typeorm';
import { RateLimiterPostgres, RateLimiterRes } from 'rate-limiter-flexible';

/** Created by migration RateLimits1795300000000, never by the library. */
const SCHEMA = 'auth';
const TABLE = 'rate_limits';

export interface CounterSettings {
  /** Key prefix in the shared table, e.g. `client-auth-pair`. */
  name: string;
  /** Failures tolerated in the window; at this many the key is blocked. */
  limit: number;
  windowSeconds: number;
  /** 0: only counted, never blocked. */
  blockSeconds: number;
}

/**
 * Part of a key: as is when short and printable, otherwise a hash, so that a caller-chosen
 * client id cannot overflow the table's varchar(255) key.
 */
export const keyPart = (value: string): string =>
  /^[\x21-\x7e]{1,100}$/.test(value)
    ? value
    : `sha256:${createHash('sha256').update(value).digest('base64url')}`;

/**
 * Failures counted in PostgreSQL (rate-limiter-flexible), so that every instance counts
 * together. A key at its limit is blocked for `blockSeconds`.
 */
export class FailureCounter {
  private readonly limiter: RateLimiterPostgres;

  constructor(
    dataSource: DataSource,
    readonly settings: CounterSettings,
    /** One counter per table sweeps expired rows (the library does it every 5 minutes). */
    sweep = false,
  ) {
    this.limiter = new RateLimiterPostgres({
      storeClient: dataSource,
      storeType: 'typeorm',
      schemaName: SCHEMA,
      tableName: TABLE,
      tableCreated: true,
      clearExpiredByTimeout: sweep,
      keyPrefix: settings.name,
      points: settings.limit,
      duration: settings.windowSeconds,
    });
  }

  /** The key as stored in the table. */
  storedKey(id: string): string {
    return this.limiter.getKey(id);
  }

  /** Counts one failure; blocks the key when it reaches the limit. Returns the window's failures. */
  async record(id: string): Promise<number> {
    const res = await this.limiter.consume(id).catch((rejected: unknown) => {
      // Over the limit already (concurrent failures passed the check together).
      if (rejected instanceof RateLimiterRes) return rejected;
      throw rejected;
    });
    if (this.settings.blockSeconds > 0 && res.consumedPoints >= this.settings.limit)
      await this.block(id);
    return res.consumedPoints;
  }

  /** Refuses the key for `blockSeconds` from now, whatever its count. */
  async block(id: string): Promise<void> {
    await this.limiter.block(id, this.settings.blockSeconds);
  }
}

/**
 * The seconds each of these keys is still blocked (0 when it is not), in the order given: one
 * query for all of them, as it runs before every client authentication.
 */
export async function secondsBlockedEach(
  dataSource: DataSource,
  keys: { counter: FailureCounter; id: string }[],
): Promise<number[]> {
  const stored = keys.map((k) => k.counter.storedKey(k.id));
  const now = Date.now();
  const rows = (await dataSource.query(
    `SELECT key, points, expire FROM "${SCHEMA}"."${TABLE}" WHERE key = ANY($1) AND expire > $2`,
    [stored, now],
  )) as { key: string; points: number; expire: string }[];
  const byKey = new Map(rows.map((row) => [row.key, row]));
  return keys.map((k, i) => {
    const row = byKey.get(stored[i]!);
    return row && row.points >= k.counter.settings.limit
      ? Math.ceil((Number(row.expire) - now) / 1000)
      : 0;
  });
}

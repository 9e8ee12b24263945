import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';

export interface Limit {
  bucket: string;
  max: number;
  windowSeconds: number;
}

/**
 * Fixed-window counters in PostgreSQL, so every instance of the service counts together.
 * One statement counts a hit in every bucket of a request at once.
 */
@Injectable()
export class RateLimiterService {
  constructor(@InjectDataSource() private readonly dataSource: DataSource) {}

  /** Counts one hit in each bucket; returns 0 when allowed, else the seconds to wait. */
  async hit(limits: Limit[]): Promise<number> {
    if (limits.length === 0) return 0;
    const values = limits
      .map((_, i) => `($${i * 2 + 1}, 1, now() + make_interval(secs => $${i * 2 + 2}::int))`)
      .join(', ');
    const rows = (await this.dataSource.query(
      `INSERT INTO rate_limit_windows AS w (bucket, hits, window_ends_at)
       VALUES ${values}
       ON CONFLICT (bucket) DO UPDATE
         SET hits = CASE WHEN w.window_ends_at <= now() THEN 1 ELSE w.hits + 1 END,
             window_ends_at = CASE WHEN w.window_ends_at <= now()
                                   THEN EXCLUDED.window_ends_at ELSE w.window_ends_at END
       RETURNING bucket, hits,
                 GREATEST(1, CEIL(EXTRACT(EPOCH FROM (window_ends_at - now()))))::int AS "retryAfter"`,
      limits.flatMap((l) => [l.bucket, l.windowSeconds]),
    )) as { bucket: string; hits: number; retryAfter: number }[];
    let wait = 0;
    for (const row of rows) {
      const limit = limits.find((l) => l.bucket === row.bucket);
      if (limit && row.hits > limit.max) wait = Math.max(wait, row.retryAfter);
    }
    return wait;
  }

  async purgeExpired(): Promise<number> {
    const [, count] = (await this.dataSource.query(
      'DELETE FROM rate_limit_windows WHERE window_ends_at <= now()',
    )) as [unknown, number];
    return count;
  }
}

import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { advisoryLock, type TaskLock } from '@app/common';
import { DataSource } from 'typeorm';

export interface Purged {
  sessions: number;
  links: number;
  rateLimits: number;
}

/** What goes when it can no longer be used: ended sessions, old links, ended limit windows. */
@Injectable()
export class HousekeepingRepository {
  constructor(@InjectDataSource() private readonly dataSource: DataSource) {}

  lock(): TaskLock {
    return advisoryLock(this.dataSource, 'portal:housekeeping');
  }

  async purge(idleSince: Date): Promise<Purged> {
    const count = async (sql: string, params: unknown[]) =>
      ((await this.dataSource.query(sql, params)) as [unknown, number])[1] ?? 0;
    return {
      sessions: await count(
        `DELETE FROM portal.sessions WHERE expires_at <= now() OR last_seen_at <= $1`,
        [idleSince],
      ),
      links: await count(
        `DELETE FROM portal.account_tokens WHERE expires_at < now() - interval '1 day'`,
        [],
      ),
      rateLimits: await count(`DELETE FROM portal.rate_limits WHERE expire < $1`, [Date.now()]),
    };
  }
}

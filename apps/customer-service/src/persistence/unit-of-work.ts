import { AsyncLocalStorage } from 'node:async_hooks';
import { createHash } from 'node:crypto';
import { Injectable, Logger } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { advisoryLock, type TaskLock } from '@app/common';
import type { Pool, PoolClient, QueryResult } from 'pg';
import { DataSource, QueryFailedError, type EntityManager } from 'typeorm';

/**
 * One SQL statement a repository built but did not run, for another repository to run as part
 * of a single statement of its own (a data-modifying CTE): the text uses $1..$n for `params`.
 * A statement is its own transaction, so what it writes is written together or not at all.
 */
export interface SqlStatement {
  sql: string;
  params: unknown[];
}

/**
 * A write to run as part of one statement (`UnitOfWork.together`) only when `gate` holds: a
 * boolean SQL expression over earlier parts of that statement, with no parameters of its own.
 */
export type GatedStatement = (gate: string) => SqlStatement;

/** One named part of a statement built by `together` (a CTE). */
export interface StatementPart {
  name: string;
  statement: SqlStatement;
}

/** `$n` placeholders moved up by `offset`, for a part's parameters placed after others'. */
const shiftPlaceholders = (sql: string, offset: number): string =>
  offset === 0 ? sql : sql.replace(/\$(\d+)/g, (_, n: string) => `$${Number(n) + offset}`);

/**
 * The one way the customer-service groups writes: `transaction(fn)` runs `fn` in a database
 * transaction, and every repository called inside it (however deep) joins that transaction.
 * Services decide what belongs together; repositories own the SQL; neither passes an
 * EntityManager around. A nested `transaction` joins the outer one.
 */
@Injectable()
export class UnitOfWork {
  private readonly current = new AsyncLocalStorage<EntityManager>();
  private readonly logger = new Logger('Database');
  /** Statement text → its prepared statement's name (see `prepared`). */
  private readonly names = new Map<string, string>();

  constructor(@InjectDataSource() private readonly dataSource: DataSource) {}

  transaction<T>(fn: () => Promise<T>): Promise<T> {
    if (this.current.getStore()) return fn();
    return this.dataSource.transaction((em) => this.current.run(em, fn));
  }

  /** For repositories: the transaction's manager inside `transaction`, otherwise the pool's. */
  get manager(): EntityManager {
    return this.current.getStore() ?? this.dataSource.manager;
  }

  /**
   * Several repositories' statements run as ONE statement, each part a CTE that later parts
   * (and `result`, the final SELECT) may name: one round trip and one commit, applied together
   * or not at all. Parts use $1..$n for their own parameters (no dollar-quoted text), which
   * are renumbered here. Joins the caller's transaction when there is one.
   */
  async together<T>(parts: StatementPart[], result: string): Promise<T[]> {
    const params: unknown[] = [];
    const ctes = parts.map(({ name, statement }) => {
      const sql = shiftPlaceholders(statement.sql, params.length);
      params.push(...statement.params);
      return `${name} AS (${sql})`;
    });
    return this.prepared<T>(`WITH ${ctes.join(',\n')}\n${result}`, params);
  }

  /**
   * `manager.query` for the hot paths (a login, a registration): runs the statement as a named
   * prepared statement, which PostgreSQL parses and plans once per connection rather than on
   * every call, straight on the pool's (or the transaction's) pg connection. Answers the rows.
   * A failure is logged and thrown as TypeORM's are (QueryFailedError, statement text only).
   */
  async prepared<T>(sql: string, params: unknown[]): Promise<T[]> {
    let name = this.names.get(sql);
    if (!name) {
      name = `cs_${createHash('sha256').update(sql).digest('base64url').slice(0, 22)}`;
      if (this.names.size < 1_000) this.names.set(sql, name);
    }
    const runner = this.current.getStore()?.queryRunner;
    try {
      const client = runner ? ((await runner.connect()) as PoolClient) : this.pool;
      const result: QueryResult = await client.query({ name, text: sql, values: params });
      return result.rows as T[];
    } catch (err) {
      this.logger.error(
        { error: (err as Error).message, query: sql.slice(0, 500) },
        'query failed',
      );
      throw new QueryFailedError(sql, params, err as Error);
    }
  }

  /** The pg pool TypeORM's PostgreSQL driver holds (its `master`). */
  private get pool(): Pool {
    return (this.dataSource.driver as unknown as { master: Pool }).master;
  }

  /** For periodic tasks that one replica at a time may run (a session advisory lock). */
  lock(key: string): TaskLock {
    return advisoryLock(this.dataSource, key);
  }
}

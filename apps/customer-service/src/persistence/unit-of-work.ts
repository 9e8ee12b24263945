import { AsyncLocalStorage } from 'node:async_hooks';
import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { advisoryLock, type TaskLock } from '@app/common';
import { DataSource, type EntityManager } from 'typeorm';

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
    return (await this.manager.query(`WITH ${ctes.join(',\n')}\n${result}`, params)) as T[];
  }

  /** For periodic tasks that one replica at a time may run (a session advisory lock). */
  lock(key: string): TaskLock {
    return advisoryLock(this.dataSource, key);
  }
}

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

  /** For periodic tasks that one replica at a time may run (a session advisory lock). */
  lock(key: string): TaskLock {
    return advisoryLock(this.dataSource, key);
  }
}

import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource, type EntityManager } from 'typeorm';

/** An open transaction: services hand it on, only repositories look inside. */
export class Transaction {
  constructor(readonly manager: EntityManager) {}
}

/**
 * The one way the auth-server groups writes: what `work` does through repositories given `tx`
 * commits together, or not at all. Repositories never open transactions of their own.
 */
@Injectable()
export class UnitOfWork {
  constructor(@InjectDataSource() private readonly dataSource: DataSource) {}

  run<T>(work: (tx: Transaction) => Promise<T>): Promise<T> {
    return this.dataSource.transaction((manager) => work(new Transaction(manager)));
  }
}

/** The manager a repository runs a statement on: the transaction's, or the pool's. */
export const managerOf = (dataSource: DataSource, tx: Transaction | undefined): EntityManager =>
  tx?.manager ?? dataSource.manager;

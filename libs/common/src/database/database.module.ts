import { DynamicModule, Module } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import { CommonEnv } from '../config/env';
import { applyMigrations } from './migrations-runner';
import { dataSourceOptions, type ServiceDatabase } from './data-source.options';

/** TypeORM on the service's own schema, with its migrations applied before anything serves. */
@Module({})
export class DatabaseModule {
  static forRoot(db: ServiceDatabase): DynamicModule {
    return {
      module: DatabaseModule,
      imports: [
        TypeOrmModule.forRootAsync({
          inject: [CommonEnv],
          useFactory: (env: CommonEnv) =>
            dataSourceOptions(env.DATABASE_URL, db, env.DATABASE_POOL_SIZE),
          dataSourceFactory: async (options) => {
            const dataSource = await new DataSource(options!).initialize();
            await applyMigrations(dataSource, db.schema);
            return dataSource;
          },
        }),
      ],
    };
  }
}

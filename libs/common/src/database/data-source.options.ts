import type { DataSourceOptions } from 'typeorm';
import type { MixedList, EntitySchema } from 'typeorm';
import { ParameterlessQueryLogger } from './query-logger';

export interface ServiceDatabase {
  /** One PostgreSQL schema per service; nothing else writes to it. */
  schema: string;
  // eslint-disable-next-line @typescript-eslint/no-unsafe-function-type
  entities: MixedList<Function | string | EntitySchema>;
  // eslint-disable-next-line @typescript-eslint/no-unsafe-function-type
  migrations: MixedList<Function | string>;
}

/** The options shared by the running service, its TypeORM CLI data source and its tests. */
export function dataSourceOptions(
  url: string,
  db: ServiceDatabase,
  poolSize = 10,
): DataSourceOptions {
  return {
    type: 'postgres',
    url,
    schema: db.schema,
    entities: db.entities,
    migrations: db.migrations,
    migrationsTableName: 'migrations',
    migrationsRun: false,
    synchronize: false,
    logging: ['error'],
    logger: new ParameterlessQueryLogger(),
    extra: {
      max: poolSize,
      // Raw SQL finds the service's own tables first.
      options: `-c search_path=${db.schema},public`,
      application_name: `svc-${db.schema}`,
    },
  };
}

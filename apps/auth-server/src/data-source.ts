// TypeORM CLI entry: `npm run migration:generate -- auth-server <Name>` (see README).
import { CommonEnv, dataSourceOptions, loadEnv } from '@app/common';
import { DataSource } from 'typeorm';
import { authDatabase } from './database';

// The typed config's DATABASE_URL (a ConfigError names it when it is missing or not postgres://).
const { DATABASE_URL } = loadEnv(CommonEnv);

export default new DataSource(dataSourceOptions(DATABASE_URL, authDatabase));

// TypeORM CLI entry: `npm run migration:generate -- developer-portal <Name>` (see README).
import { CommonEnv, dataSourceOptions, loadEnv } from '@app/common';
import { DataSource } from 'typeorm';
import { portalDatabase } from './database';

// The typed config's DATABASE_URL (a ConfigError names it when it is missing or not postgres://).
const { DATABASE_URL } = loadEnv(CommonEnv);

export default new DataSource(dataSourceOptions(DATABASE_URL, portalDatabase));

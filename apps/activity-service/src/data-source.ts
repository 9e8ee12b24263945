// TypeORM CLI entry: `npm run migration:generate -- activity-service <Name>` (see README).
import { dataSourceOptions } from '@app/common';
import { DataSource } from 'typeorm';
import { activityDatabase } from './database';

const url = process.env.DATABASE_URL;
if (!url) throw new Error('DATABASE_URL is required for the TypeORM CLI');

export default new DataSource(dataSourceOptions(url, activityDatabase));

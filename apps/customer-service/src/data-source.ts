// TypeORM CLI entry: `npm run migration:generate -- customer-service <Name>` (see README).
import { dataSourceOptions } from '@app/common';
import { DataSource } from 'typeorm';
import { customerDatabase } from './database';

const url = process.env.DATABASE_URL;
if (!url) throw new Error('DATABASE_URL is required for the TypeORM CLI');

export default new DataSource(dataSourceOptions(url, customerDatabase));

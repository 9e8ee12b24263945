/**
 * `npm run migration:generate -- <app> <Name>`: diffs an app's entities against its migrations
 * on a throwaway embedded PostgreSQL (or DATABASE_URL) and writes a new migration to review.
 * `npm run migration:check -- <app>` fails when entities and migrations disagree.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { applyMigrations } from '@app/common';
import type { DataSource } from 'typeorm';
import { startEmbeddedPostgres } from './embedded-postgres';

const APPS: Record<string, string> = {
  'auth-server': 'auth',
  'customer-service': 'customer',
  'activity-service': 'activity',
  'developer-portal': 'portal',
};

async function main(): Promise<void> {
  const [mode, app, name] = process.argv.slice(2);
  const schema = app ? APPS[app] : undefined;
  if (!schema || (mode === 'generate' && !name) || !['generate', 'check'].includes(mode ?? '')) {
    throw new Error('usage: migration.js generate <app> <Name> | check <app>');
  }
  const db = process.env.DATABASE_URL
    ? undefined
    : await startEmbeddedPostgres({
        dir: mkdtempSync(join(tmpdir(), 'migration-')),
        persistent: false,
      });
  if (db) process.env.DATABASE_URL = db.url;
  try {
    const dataSourcePath = resolve(__dirname, `../apps/${app}/src/data-source.js`);
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const dataSource = (require(dataSourcePath) as { default: DataSource }).default;
    await dataSource.initialize();
    await applyMigrations(dataSource, schema);
    await dataSource.destroy();
    const cli = resolve(__dirname, '../../node_modules/typeorm/cli.js');
    const args =
      mode === 'generate'
        ? [
            'migration:generate',
            resolve(__dirname, `../../apps/${app}/src/migrations/${name}`),
            '-d',
            dataSourcePath,
            '--pretty',
          ]
        : ['migration:generate', 'check', '-d', dataSourcePath, '--check'];
    const result = spawnSync(process.execPath, [cli, ...args], {
      stdio: 'inherit',
      env: process.env,
    });
    process.exitCode = result.status ?? 1;
  } finally {
    await db?.stop();
  }
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});

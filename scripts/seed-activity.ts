/**
 * `npm run seed:activity -- --events N [--institution sandbox-fi] [--others 2] [--days 30]`
 *
 * Fills an institution with realistic banking activity: retail and business users (business
 * ones in companies), the whole event catalogue with plausible attributes, daytime-heavy
 * times over the last days, plus events of other institutions that reuse the same login ids
 * and company ids, so a leak across FIs would show. Uses DATABASE_URL, else the embedded
 * PostgreSQL of `npm start` (.data/postgres, port 54329), started here if it is not running.
 *
 * `seedActivity()` is what `npm start` calls in sandbox mode; it applies the activity
 * migrations first and, unless `force`, does nothing when the institution already has events.
 * The generator is the activity-service's (src/sandbox/activity-generator.ts), the one the
 * developer portal's sandbox seed uses too.
 */
import { connect } from 'node:net';
import { join, resolve } from 'node:path';
import { applyMigrations, DAY_MS, dataSourceOptions } from '@app/common';
import { DataSource } from 'typeorm';
import { EVENT_TYPES } from '../apps/activity-service/src/catalogue/event-catalogue';
import { activityDatabase } from '../apps/activity-service/src/database';
import { createActivityPool } from '../apps/activity-service/src/storage/activity-database';
import { writeEvents } from '../apps/activity-service/src/ingest/event.repository';
import { ActivityGenerator } from '../apps/activity-service/src/sandbox/activity-generator';
import { ensurePartitions } from '../apps/activity-service/src/storage/partition.repository';
import { MAX_BATCH_EVENTS } from '../apps/activity-service/src/storage/schema';
import { startEmbeddedPostgres } from './embedded-postgres';

export interface SeedActivityOptions {
  databaseUrl: string;
  institutionId: string;
  events: number;
  /** Other institutions to fill alongside (names, or how many); 2 by default. */
  otherInstitutions?: string[] | number;
  /** Spread over the last `days` days (default 30, inside the 93-day look-back). */
  days?: number;
  /** Seed even when the institution already has events. */
  force?: boolean;
  /** PRNG seed, for a reproducible population and timeline. */
  seed?: number;
  log?: (line: string) => void;
}

export interface SeedActivityResult {
  skipped: boolean;
  inserted: number;
  byInstitution: Record<string, number>;
}

/** Applies the activity migrations and makes partitions for [from, to). */
export async function prepareActivitySchema(
  databaseUrl: string,
  from: Date,
  to: Date,
): Promise<void> {
  const dataSource = await new DataSource(
    dataSourceOptions(databaseUrl, activityDatabase, 2),
  ).initialize();
  try {
    await applyMigrations(dataSource, activityDatabase.schema);
  } finally {
    await dataSource.destroy();
  }
  const pool = createActivityPool({
    url: databaseUrl,
    max: 2,
    statementTimeoutMs: 0,
    applicationName: 'seed-activity',
  });
  try {
    await ensurePartitions(pool, from, to);
  } finally {
    await pool.end();
  }
}

export async function seedActivity(options: SeedActivityOptions): Promise<SeedActivityResult> {
  const log = options.log ?? (() => undefined);
  const days = options.days ?? 30;
  const now = Date.now();
  const from = now - days * DAY_MS;
  await prepareActivitySchema(options.databaseUrl, new Date(from), new Date(now + DAY_MS));
  const others =
    typeof options.otherInstitutions === 'number'
      ? Array.from({ length: options.otherInstitutions }, (_, i) => `other-fi-${i + 1}`)
      : (options.otherInstitutions ?? ['other-fi-1', 'other-fi-2']);

  const pool = createActivityPool({
    url: options.databaseUrl,
    max: 2,
    statementTimeoutMs: 0,
    applicationName: 'seed-activity',
  });
  try {
    if (!options.force) {
      const existing = await pool.query(
        'SELECT 1 FROM activity.events WHERE institution_id = $1 LIMIT 1',
        [options.institutionId],
      );
      if (existing.rowCount) {
        log(`${options.institutionId} already has activity; nothing seeded`);
        return { skipped: true, inserted: 0, byInstitution: {} };
      }
    }
    const seed = options.seed ?? Math.floor(Math.random() * 2 ** 31);
    const users = Math.max(50, Math.round(options.events / 100));
    // Same seed for every FI: the same login ids and company ids exist in all of them.
    const plan = [
      { fi: options.institutionId, count: options.events },
      ...others.map((fi) => ({
        fi,
        count: Math.max(1, Math.round(options.events / 5 / Math.max(1, others.length))),
      })),
    ];
    const byInstitution: Record<string, number> = {};
    let inserted = 0;
    for (const { fi, count } of plan) {
      const generator = new ActivityGenerator(users, seed);
      let done = 0;
      while (done < count) {
        const n = Math.min(MAX_BATCH_EVENTS, count - done);
        // The first events go through the whole catalogue once, so every type has examples.
        const batch = Array.from({ length: n }, (_, i) =>
          generator.event(fi, from, now, EVENT_TYPES[done + i]),
        );
        const result = await writeEvents(pool, batch);
        done += n;
        inserted += result.accepted;
        byInstitution[fi] = (byInstitution[fi] ?? 0) + result.accepted;
      }
      log(`${fi}: ${byInstitution[fi]} events, ${users} users`);
    }
    return { skipped: false, inserted, byInstitution };
  } finally {
    await pool.end();
  }
}

function flag(args: string[], name: string): string | undefined {
  const i = args.indexOf(`--${name}`);
  return i >= 0 ? args[i + 1] : undefined;
}

function isListening(port: number): Promise<boolean> {
  return new Promise((done) => {
    const socket = connect(port, '127.0.0.1');
    socket.once('connect', () => {
      socket.destroy();
      done(true);
    });
    socket.once('error', () => done(false));
  });
}

async function main(): Promise<void> {
  const args = process.argv.slice(2);
  const events = Number(flag(args, 'events') ?? 10_000);
  if (!Number.isInteger(events) || events < 1)
    throw new Error('--events must be a positive integer');
  const othersFlag = flag(args, 'others');
  let databaseUrl = process.env.DATABASE_URL;
  let embedded: { stop(): Promise<void> } | undefined;
  if (!databaseUrl) {
    const port = Number(process.env.EMBEDDED_PG_PORT ?? 54329);
    if (!(await isListening(port))) {
      const dir = join(resolve(__dirname, '../..'), '.data', 'postgres');
      console.log(`Starting embedded PostgreSQL on 127.0.0.1:${port} (data in .data/postgres)...`);
      embedded = await startEmbeddedPostgres({ dir, port, persistent: true });
    }
    databaseUrl = `postgres://postgres:postgres@127.0.0.1:${port}/postgres`;
  }
  try {
    const started = Date.now();
    const result = await seedActivity({
      databaseUrl,
      institutionId:
        flag(args, 'institution') ?? process.env.SANDBOX_INSTITUTION_ID ?? 'sandbox-fi',
      events,
      otherInstitutions: othersFlag === undefined ? undefined : Number(othersFlag),
      days: flag(args, 'days') ? Number(flag(args, 'days')) : undefined,
      force: true,
      log: (line) => console.log(line),
    });
    console.log(
      `Seeded ${result.inserted} events in ${((Date.now() - started) / 1000).toFixed(1)} s.`,
    );
  } finally {
    await embedded?.stop();
  }
}

if (require.main === module) {
  main().catch((err: unknown) => {
    console.error(err);
    process.exit(1);
  });
}

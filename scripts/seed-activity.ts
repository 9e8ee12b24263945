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
 */
import { randomUUID } from 'node:crypto';
import { connect } from 'node:net';
import { join, resolve } from 'node:path';
import { applyMigrations, dataSourceOptions } from '@app/common';
import { DataSource } from 'typeorm';
import {
  EVENT_TYPES,
  type AttributeDefinition,
  type EventTypeDefinition,
} from '../apps/activity-service/src/catalogue/event-catalogue';
import { activityDatabase } from '../apps/activity-service/src/database';
import { createActivityPool } from '../apps/activity-service/src/storage/activity-database';
import {
  writeEvents,
  type StoredEvent,
} from '../apps/activity-service/src/ingest/event.repository';
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

const DAY_MS = 86_400_000;

/** mulberry32: small, fast, good enough for test data. */
export function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4_294_967_296;
  };
}

const FIRST = [
  'olivia',
  'liam',
  'emma',
  'noah',
  'ava',
  'elijah',
  'sophia',
  'james',
  'mia',
  'lucas',
  'amelia',
  'mateo',
  'harper',
  'levi',
  'evelyn',
  'ezra',
  'luna',
  'kai',
  'aria',
  'leo',
];
const LAST = [
  'smith',
  'johnson',
  'garcia',
  'miller',
  'davis',
  'rodriguez',
  'martinez',
  'lee',
  'walker',
  'hall',
  'young',
  'king',
  'wright',
  'lopez',
  'hill',
  'green',
  'adams',
  'baker',
  'nelson',
  'carter',
];
const COMPANY = [
  'acme',
  'globex',
  'initech',
  'umbrella',
  'hooli',
  'vandelay',
  'stark',
  'wayne',
  'wonka',
  'tyrell',
  'soylent',
  'cyberdyne',
];

/** Relative frequency of each event type in a day of digital banking. */
const WEIGHTS: Record<string, number> = {
  loginSuccess: 300,
  logout: 150,
  loginFailure: 25,
  userLocked: 2,
  userUnlocked: 2,
  passwordChange: 3,
  passwordReset: 4,
  mfaChallengeIssued: 45,
  mfaChallengeSuccess: 40,
  mfaChallengeFailure: 5,
  mfaEnrollment: 3,
  mfaUnenrollment: 1,
  registrationUser: 3,
  disclosureAcceptance: 5,
  profileChange: 6,
  transferCreated: 40,
  transferCompleted: 35,
  transferFailed: 3,
  transferCancelled: 3,
  billPayPayeeAdded: 5,
  billPaymentScheduled: 30,
  billPaymentCancelled: 3,
  statementViewed: 50,
  statementDownloaded: 15,
  eStatementEnrollment: 2,
  alertSubscribed: 4,
  alertUnsubscribed: 2,
  alertDelivered: 60,
  cardLocked: 3,
  cardUnlocked: 3,
  remoteDepositSubmitted: 12,
  deviceRegistered: 4,
};

export interface SeedUser {
  loginId: string;
  customerId: string;
  userType: 'retail' | 'business';
  company: string | null;
  channel: 'online' | 'mobile' | 'api' | 'branch';
  ips: string[];
}

/** Makes users and events for one institution; the same seed gives the same population. */
export class ActivityGenerator {
  readonly users: SeedUser[];
  private readonly random: () => number;
  private readonly cumulative: { type: EventTypeDefinition; upTo: number }[];

  constructor(userCount: number, seed: number) {
    this.random = prng(seed);
    this.users = [];
    let companyIndex = 0;
    while (this.users.length < userCount) {
      const business = this.random() < 0.08;
      const size = business ? 2 + Math.floor(this.random() * 6) : 1;
      const company = business ? `${this.pick(COMPANY)}-${++companyIndex}` : null;
      for (let k = 0; k < size && this.users.length < userCount; k++) {
        const n = this.users.length;
        const r = this.random();
        this.users.push({
          loginId: `${this.pick(FIRST)}.${this.pick(LAST)}${n}`,
          customerId: randomUUID(),
          userType: business ? 'business' : 'retail',
          company,
          channel: r < 0.55 ? 'mobile' : r < 0.95 ? 'online' : r < 0.98 ? 'api' : 'branch',
          ips: Array.from({ length: 1 + Math.floor(this.random() * 3) }, () => this.ip()),
        });
      }
    }
    let total = 0;
    this.cumulative = EVENT_TYPES.map((type) => {
      total += WEIGHTS[type.eventId] ?? 1;
      return { type, upTo: total };
    });
    for (const c of this.cumulative) c.upTo /= total;
  }

  /** One event of `institutionId` at a plausible time in [from, to); of `type` if given. */
  event(institutionId: string, from: number, to: number, type?: EventTypeDefinition): StoredEvent {
    const user = this.pick(this.users);
    const roll = this.random();
    type ??= this.cumulative.find((c) => c.upTo >= roll)?.type ?? EVENT_TYPES[0]!;
    const transfer = /transfer|billPay|Deposit/.test(type.eventId);
    return {
      guid: randomUUID(),
      eventId: type.eventId,
      timeStamp: new Date(this.daytime(from, to)).toISOString(),
      institutionId,
      userType: user.userType,
      loginId: user.loginId,
      customerId: this.random() < 0.97 ? user.customerId : null,
      institutionCustomerId: user.company,
      accountType: transfer || /statement/.test(type.eventId) ? this.accountType(user) : null,
      channel: type.eventId === 'alertDelivered' ? 'system' : user.channel,
      ipAddress: type.eventId === 'alertDelivered' ? null : this.pick(user.ips),
      attributes: this.attributes(type),
    };
  }

  pick<T>(list: readonly T[]): T {
    return list[Math.floor(this.random() * list.length)]!;
  }

  /** Weighted towards 7:00-22:00 US Eastern, weekdays a little busier. */
  private daytime(from: number, to: number): number {
    for (;;) {
      const t = from + Math.floor(this.random() * (to - from));
      const d = new Date(t - 5 * 3_600_000);
      const hour = d.getUTCHours();
      const weekday = d.getUTCDay() % 6 !== 0;
      const weight = (hour >= 7 && hour < 22 ? 1 : 0.15) * (weekday ? 1 : 0.7);
      if (this.random() < weight) return t;
    }
  }

  private accountType(user: SeedUser): string {
    return user.userType === 'business'
      ? this.pick(['businessChecking', 'businessSavings', 'lineOfCredit'])
      : this.pick(['checking', 'checking', 'savings', 'creditCard', 'loan']);
  }

  private ip(): string {
    const octet = () => 1 + Math.floor(this.random() * 254);
    return this.random() < 0.9
      ? `${octet()}.${octet()}.${octet()}.${octet()}`
      : `2001:db8:${octet().toString(16)}::${octet().toString(16)}`;
  }

  private attributes(type: EventTypeDefinition): Record<string, unknown> {
    const out: Record<string, unknown> = {};
    for (const a of type.attributes) {
      if (!a.required && this.random() < 0.3) continue;
      out[a.attributeId] = this.value(a, type.eventId);
    }
    return out;
  }

  private value(a: AttributeDefinition, eventId: string): unknown {
    if (a.enum) return this.pick(a.enum);
    const id = () =>
      Math.floor(this.random() * 1e9)
        .toString(36)
        .toUpperCase();
    switch (a.attributeId) {
      case 'amount':
        return Math.round((5 + this.random() ** 3 * 5000) * 100) / 100;
      case 'threshold':
        return Math.round(50 + this.random() * 950);
      case 'currency':
        return this.random() < 0.98 ? 'USD' : 'CAD';
      case 'clientId':
      case 'unlockedBy':
        return this.pick(['mobile-app', 'online-banking', 'sandbox-app']);
      case 'failedLoginCount':
        return eventId === 'userLocked' ? 5 : 1 + Math.floor(this.random() * 4);
      case 'changedFields': {
        const fields = ['emailAddress', 'phoneNumber', 'postalAddress'].filter(
          () => this.random() < 0.4,
        );
        return fields.length
          ? fields
          : [this.pick(['emailAddress', 'phoneNumber', 'postalAddress'])];
      }
      case 'userStatus':
        return this.pick(['active', 'needsToAcceptDisclosure']);
      case 'disclosureId':
        return this.pick(['terms-of-use', 'e-sign-consent', 'privacy-notice']);
      case 'version':
        return `${1 + Math.floor(this.random() * 3)}.0`;
      case 'statementPeriod':
      case 'scheduledDate':
      case 'deliverBy': {
        const d = new Date(Date.now() + (this.random() - 0.7) * 120 * DAY_MS).toISOString();
        return a.attributeId === 'statementPeriod' ? d.slice(0, 7) : d.slice(0, 10);
      }
      case 'cardLast4':
        return String(1000 + Math.floor(this.random() * 9000));
      case 'payeeName':
        return this.pick([
          'City Power',
          'Water Co',
          'Mobile Phone Inc',
          'Mortgage Servicing',
          'Insurance Mutual',
        ]);
      case 'reason':
        return this.pick([
          'invalidCredentials',
          'insufficientFunds',
          'accountClosed',
          'limitExceeded',
        ]);
      case 'alertType':
        return this.pick(['lowBalance', 'largeWithdrawal', 'paymentDue', 'loginFromNewDevice']);
      case 'deviceName':
        return this.pick(["Olivia's iPhone", 'Pixel 8', 'Work laptop']);
      case 'sessionDurationSeconds':
        return 30 + Math.floor(this.random() * 1800);
      case 'attempt':
        return 1 + Math.floor(this.random() * 3);
      case 'enrolled':
        return this.random() < 0.8;
      default:
        switch (a.type) {
          case 'integer':
            return Math.floor(this.random() * 100);
          case 'number':
            return Math.round(this.random() * 10_000) / 100;
          case 'boolean':
            return this.random() < 0.5;
          case 'string[]':
            return [id()];
          case 'string':
            return id();
        }
    }
  }
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

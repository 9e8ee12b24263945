import { randomUUID } from 'node:crypto';
import { DAY_MS } from '@app/common';
import {
  EVENT_TYPES,
  type AttributeDefinition,
  type EventTypeDefinition,
} from '../catalogue/event-catalogue';
import type { StoredEvent } from '../ingest/event.repository';

/*
 * The one generator of realistic banking activity: the sandbox seed (sandbox.service.ts) and
 * `npm run seed:activity` / `npm start` (scripts/seed-activity.ts) both use it.
 */

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

/** A user given to the generator: everything but the addresses it makes up. */
export type SeedUserSpec = Omit<SeedUser, 'ips'>;

/** Makes users and events for one institution; the same seed gives the same population. */
export class ActivityGenerator {
  readonly users: SeedUser[];
  private readonly random: () => number;
  private readonly cumulative: { type: EventTypeDefinition; upTo: number }[];

  /**
   * `users`: how many to make up (retail ones and companies of 2 to 7), or the very users to
   * generate for (the sandbox roster), each given its addresses here.
   */
  constructor(users: number | readonly SeedUserSpec[], seed: number) {
    this.random = prng(seed);
    this.users = [];
    if (typeof users !== 'number') {
      for (const user of users)
        this.users.push({
          ...user,
          ips: Array.from({ length: 1 + Math.floor(this.random() * 3) }, () => this.ip()),
        });
    }
    const userCount = typeof users === 'number' ? users : 0;
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
      occurredAt: this.daytime(from, to),
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

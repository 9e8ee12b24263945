import { randomUUID } from 'node:crypto';
import type { CustomerEntity } from '../customers/customer.entity';
import type { FlatJson } from '../http/json';

export type Channel = 'online' | 'mobile' | 'api' | 'branch' | 'system';

/** Attributes of each customer event type, as the activity catalogue defines them. */
export interface CustomerEventAttributes {
  registrationUser: { userStatus: string };
  disclosureAcceptance: { disclosureId: string; version: string };
  profileChange: { changedFields: string[] };
  loginSuccess: { clientId: string };
  loginFailure: { clientId: string; failedLoginCount: number; reason?: string };
  userLocked: { failedLoginCount: number };
  userUnlocked: { unlockedBy: string };
}

export type CustomerEventId = keyof CustomerEventAttributes;

/** One event of the batch format in docs/internal-apis.md. */
export interface ActivityEvent {
  guid: string;
  eventId: CustomerEventId;
  timeStamp: string;
  institutionId: string;
  userType: 'retail' | 'business';
  loginId: string;
  customerId: string;
  institutionCustomerId?: string;
  channel: Channel;
  ipAddress?: string;
  attributes: Record<string, FlatJson>;
}

export interface EventContext {
  channel: Channel;
  ipAddress?: string | null;
  at?: Date;
}

type EventSubject = Pick<
  CustomerEntity,
  'id' | 'institutionId' | 'loginId' | 'userType' | 'institutionCustomerId'
>;

export function customerEvent<K extends CustomerEventId>(
  customer: EventSubject,
  eventId: K,
  attributes: CustomerEventAttributes[K],
  context: EventContext,
): ActivityEvent {
  return {
    guid: randomUUID(),
    eventId,
    timeStamp: (context.at ?? new Date()).toISOString(),
    institutionId: customer.institutionId,
    userType: customer.userType === 'BUSINESS' ? 'business' : 'retail',
    loginId: customer.loginId,
    customerId: customer.id,
    // The catalogue carries the company for business users only.
    ...(customer.userType === 'BUSINESS' && customer.institutionCustomerId
      ? { institutionCustomerId: customer.institutionCustomerId }
      : {}),
    channel: context.channel,
    ...(context.ipAddress ? { ipAddress: context.ipAddress } : {}),
    attributes: { ...attributes },
  };
}

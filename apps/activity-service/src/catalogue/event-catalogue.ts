/**
 * The predefined Banking Activity catalogue: every event type the service stores, with the
 * attributes each carries in `attributes`. Ingest refuses unknown types, unknown attributes and
 * missing required ones; search validates filters against the same definitions. The customer
 * event types (registration ... userUnlocked) are fixed by docs/internal-apis.md.
 */
export type AttributeType = 'string' | 'integer' | 'number' | 'boolean' | 'string[]';

export interface AttributeDefinition {
  attributeId: string;
  type: AttributeType;
  required: boolean;
  description: string;
  /** Closed set of values (strings only). */
  enum?: readonly string[];
}

export interface EventTypeDefinition {
  eventId: string;
  category: EventCategory;
  description: string;
  attributes: readonly AttributeDefinition[];
}

export type EventCategory =
  | 'authentication'
  | 'mfa'
  | 'registration'
  | 'disclosure'
  | 'profile'
  | 'transfer'
  | 'billPay'
  | 'statement'
  | 'alert'
  | 'card'
  | 'deposit'
  | 'device'
  | 'delivery';

/** Longest string an attribute may hold, and most items of an array attribute. */
export const MAX_ATTRIBUTE_STRING = 1024;
export const MAX_ATTRIBUTE_ITEMS = 100;

export const CHANNELS = ['online', 'mobile', 'api', 'branch', 'system'] as const;
export const USER_TYPES = ['retail', 'business'] as const;
export type UserType = (typeof USER_TYPES)[number];

const MFA_METHODS = ['sms', 'email', 'voice', 'totp', 'push'] as const;
const ALERT_CHANNELS = ['email', 'sms', 'push'] as const;
const TRANSFER_TYPES = ['internal', 'external', 'p2p', 'wire'] as const;

// Attribute helpers keep the table below readable.
const req = (
  attributeId: string,
  type: AttributeType,
  description: string,
  extra: Partial<AttributeDefinition> = {},
): AttributeDefinition => ({ attributeId, type, required: true, description, ...extra });
const opt = (
  attributeId: string,
  type: AttributeType,
  description: string,
  extra: Partial<AttributeDefinition> = {},
): AttributeDefinition => ({ attributeId, type, required: false, description, ...extra });

const amount = req('amount', 'number', 'Amount in the currency below');
const currency = req('currency', 'string', 'ISO 4217 currency code');
const mfaMethod = req('method', 'string', 'MFA factor', { enum: MFA_METHODS });

export const EVENT_TYPES: readonly EventTypeDefinition[] = [
  // Customer events written by customer-service (docs/internal-apis.md): exactly these attributes.
  {
    eventId: 'registrationUser',
    category: 'registration',
    description: 'A customer registered for digital banking',
    attributes: [req('userStatus', 'string', 'Status of the new user, e.g. active')],
  },
  {
    eventId: 'disclosureAcceptance',
    category: 'disclosure',
    description: 'A customer accepted a disclosure (terms, e-sign consent, ...)',
    attributes: [
      req('disclosureId', 'string', 'Accepted disclosure'),
      req('version', 'string', 'Accepted version'),
    ],
  },
  {
    eventId: 'profileChange',
    category: 'profile',
    description: 'A customer changed contact details',
    attributes: [req('changedFields', 'string[]', 'Names of the changed profile fields')],
  },
  {
    eventId: 'loginSuccess',
    category: 'authentication',
    description: 'A customer signed in',
    attributes: [req('clientId', 'string', 'OAuth client the customer signed in through')],
  },
  {
    eventId: 'loginFailure',
    category: 'authentication',
    description: 'A sign-in attempt failed',
    attributes: [
      req('clientId', 'string', 'OAuth client of the attempt'),
      req('failedLoginCount', 'integer', 'Consecutive failures so far'),
      opt('reason', 'string', 'Why the attempt failed'),
    ],
  },
  {
    eventId: 'userLocked',
    category: 'authentication',
    description: 'A customer was locked after consecutive failed sign-ins',
    attributes: [req('failedLoginCount', 'integer', 'Consecutive failures that caused the lock')],
  },
  {
    eventId: 'userUnlocked',
    category: 'authentication',
    description: 'A locked customer was unlocked',
    attributes: [req('unlockedBy', 'string', 'Client id that unlocked the customer')],
  },
  // The rest of the digital-banking catalogue.
  {
    eventId: 'logout',
    category: 'authentication',
    description: 'A customer signed out or the session ended',
    attributes: [
      opt('sessionDurationSeconds', 'integer', 'Length of the session'),
      opt('reason', 'string', 'How the session ended', { enum: ['user', 'timeout', 'revoked'] }),
    ],
  },
  {
    eventId: 'passwordChange',
    category: 'authentication',
    description: 'A customer changed the password',
    attributes: [opt('initiatedBy', 'string', 'Who changed it', { enum: ['user', 'support'] })],
  },
  {
    eventId: 'passwordReset',
    category: 'authentication',
    description: 'A forgotten password was reset',
    attributes: [req('method', 'string', 'How the identity was proven', { enum: MFA_METHODS })],
  },
  {
    eventId: 'mfaChallengeIssued',
    category: 'mfa',
    description: 'A multi-factor challenge was sent',
    attributes: [
      mfaMethod,
      opt('reason', 'string', 'What needed step-up authentication', {
        enum: ['login', 'transfer', 'profileChange', 'newDevice', 'payee'],
      }),
    ],
  },
  {
    eventId: 'mfaChallengeSuccess',
    category: 'mfa',
    description: 'A multi-factor challenge was passed',
    attributes: [mfaMethod],
  },
  {
    eventId: 'mfaChallengeFailure',
    category: 'mfa',
    description: 'A multi-factor challenge failed',
    attributes: [mfaMethod, opt('attempt', 'integer', 'Attempt number')],
  },
  {
    eventId: 'mfaEnrollment',
    category: 'mfa',
    description: 'A customer enrolled a second factor',
    attributes: [mfaMethod, opt('deviceName', 'string', 'Name of the enrolled device')],
  },
  {
    eventId: 'mfaUnenrollment',
    category: 'mfa',
    description: 'A customer removed a second factor',
    attributes: [mfaMethod],
  },
  {
    eventId: 'transferCreated',
    category: 'transfer',
    description: 'A transfer was scheduled',
    attributes: [
      req('transferId', 'string', 'Transfer reference'),
      amount,
      currency,
      req('transferType', 'string', 'Kind of transfer', { enum: TRANSFER_TYPES }),
      opt('fromAccountType', 'string', 'Account type debited'),
      opt('toAccountType', 'string', 'Account type credited'),
      opt('frequency', 'string', 'Recurrence', { enum: ['once', 'weekly', 'monthly'] }),
      opt('scheduledDate', 'string', 'Date it is due (YYYY-MM-DD)'),
    ],
  },
  {
    eventId: 'transferCompleted',
    category: 'transfer',
    description: 'A transfer was posted',
    attributes: [req('transferId', 'string', 'Transfer reference'), amount, currency],
  },
  {
    eventId: 'transferFailed',
    category: 'transfer',
    description: 'A transfer could not be made',
    attributes: [
      req('transferId', 'string', 'Transfer reference'),
      req('reason', 'string', 'Why it failed'),
    ],
  },
  {
    eventId: 'transferCancelled',
    category: 'transfer',
    description: 'A scheduled transfer was cancelled',
    attributes: [req('transferId', 'string', 'Transfer reference')],
  },
  {
    eventId: 'billPayPayeeAdded',
    category: 'billPay',
    description: 'A bill-pay payee was added',
    attributes: [
      req('payeeId', 'string', 'Payee reference'),
      req('payeeName', 'string', 'Payee name'),
    ],
  },
  {
    eventId: 'billPaymentScheduled',
    category: 'billPay',
    description: 'A bill payment was scheduled',
    attributes: [
      req('paymentId', 'string', 'Payment reference'),
      req('payeeId', 'string', 'Payee reference'),
      amount,
      currency,
      opt('deliverBy', 'string', 'Delivery date (YYYY-MM-DD)'),
    ],
  },
  {
    eventId: 'billPaymentCancelled',
    category: 'billPay',
    description: 'A scheduled bill payment was cancelled',
    attributes: [req('paymentId', 'string', 'Payment reference')],
  },
  {
    eventId: 'statementViewed',
    category: 'statement',
    description: 'A statement was opened',
    attributes: [
      req('statementId', 'string', 'Statement reference'),
      req('statementPeriod', 'string', 'Period covered (YYYY-MM)'),
    ],
  },
  {
    eventId: 'statementDownloaded',
    category: 'statement',
    description: 'A statement was downloaded',
    attributes: [
      req('statementId', 'string', 'Statement reference'),
      req('statementPeriod', 'string', 'Period covered (YYYY-MM)'),
      req('format', 'string', 'File format', { enum: ['pdf', 'csv', 'ofx', 'qfx'] }),
    ],
  },
  {
    eventId: 'eStatementEnrollment',
    category: 'statement',
    description: 'A customer switched paper statements on or off',
    attributes: [req('enrolled', 'boolean', 'Whether e-statements are now on')],
  },
  {
    eventId: 'alertSubscribed',
    category: 'alert',
    description: 'A customer subscribed to an alert',
    attributes: [
      req('alertType', 'string', 'Alert, e.g. lowBalance'),
      req('deliveryChannel', 'string', 'How it is delivered', { enum: ALERT_CHANNELS }),
      opt('threshold', 'number', 'Threshold amount, for balance alerts'),
    ],
  },
  {
    eventId: 'alertUnsubscribed',
    category: 'alert',
    description: 'A customer cancelled an alert',
    attributes: [req('alertType', 'string', 'Alert, e.g. lowBalance')],
  },
  {
    eventId: 'alertDelivered',
    category: 'alert',
    description: 'An alert was sent to a customer',
    attributes: [
      req('alertType', 'string', 'Alert, e.g. lowBalance'),
      req('deliveryChannel', 'string', 'How it was delivered', { enum: ALERT_CHANNELS }),
    ],
  },
  {
    eventId: 'cardLocked',
    category: 'card',
    description: 'A customer locked a debit or credit card',
    attributes: [req('cardLast4', 'string', 'Last four digits of the card')],
  },
  {
    eventId: 'cardUnlocked',
    category: 'card',
    description: 'A customer unlocked a card',
    attributes: [req('cardLast4', 'string', 'Last four digits of the card')],
  },
  {
    eventId: 'remoteDepositSubmitted',
    category: 'deposit',
    description: 'A cheque was deposited by photo',
    attributes: [req('depositId', 'string', 'Deposit reference'), amount, currency],
  },
  {
    eventId: 'deviceRegistered',
    category: 'device',
    description: 'A new device was trusted for the customer',
    attributes: [
      req('deviceType', 'string', 'Kind of device', { enum: ['ios', 'android', 'web'] }),
      opt('deviceName', 'string', 'Name of the device'),
    ],
  },
  // Written by the service itself into the FI's own activity (delivery/delivery.dispatcher.ts).
  {
    eventId: 'deliverySubscriptionPaused',
    category: 'delivery',
    description:
      'The platform paused a delivery subscription: its webhook answered 410 Gone, or it kept failing for 5 days',
    attributes: [
      req('subscriptionId', 'string', 'The paused delivery subscription'),
      opt('subscriptionName', 'string', 'Its name'),
      req('pauseReason', 'string', 'Why it was paused', { enum: ['gone', 'failing'] }),
      opt('lastStatusCode', 'integer', 'HTTP status of the last attempt, if any'),
      opt('lastError', 'string', 'Error of the last attempt, if any'),
    ],
  },
];

/**
 * Fields every event has as columns (not in `attributes`). They can be filtered on and requested
 * like attributes; their ids are the wire names.
 */
export type FixedField =
  | 'guid'
  | 'eventId'
  | 'timeStamp'
  | 'userType'
  | 'loginId'
  | 'customerId'
  | 'institutionCustomerId'
  | 'accountType'
  | 'channel'
  | 'ipAddress';

export interface FixedFieldDefinition {
  attributeId: FixedField;
  /** `date-time` compares as an instant; the others as the attribute types above. */
  type: 'string' | 'date-time';
  column: string;
  nullable: boolean;
  description: string;
  enum?: readonly string[];
}

export const FIXED_FIELDS: readonly FixedFieldDefinition[] = [
  {
    attributeId: 'guid',
    type: 'string',
    column: 'guid',
    nullable: false,
    description: 'Event id (idempotency key)',
  },
  {
    attributeId: 'eventId',
    type: 'string',
    column: 'event_id',
    nullable: false,
    description: 'Event type',
  },
  {
    attributeId: 'timeStamp',
    type: 'date-time',
    column: 'occurred_at',
    nullable: false,
    description: 'When it happened',
  },
  {
    attributeId: 'userType',
    type: 'string',
    column: 'user_type',
    nullable: true,
    description: 'retail or business',
    enum: USER_TYPES,
  },
  {
    attributeId: 'loginId',
    type: 'string',
    column: 'login_id',
    nullable: true,
    description: 'Login id of the user',
  },
  {
    attributeId: 'customerId',
    type: 'string',
    column: 'customer_id',
    nullable: true,
    description: 'Customer id of the user',
  },
  {
    attributeId: 'institutionCustomerId',
    type: 'string',
    column: 'company_id',
    nullable: true,
    description: 'Company of a business user',
  },
  {
    attributeId: 'accountType',
    type: 'string',
    column: 'account_type',
    nullable: true,
    description: 'Account type involved',
  },
  {
    attributeId: 'channel',
    type: 'string',
    column: 'channel',
    nullable: true,
    description: 'online, mobile, api, branch or system',
    enum: CHANNELS,
  },
  {
    attributeId: 'ipAddress',
    type: 'string',
    column: 'ip_address',
    nullable: true,
    description: 'Client IP address',
  },
];

export const EVENT_TYPE_BY_ID: ReadonlyMap<string, EventTypeDefinition> = new Map(
  EVENT_TYPES.map((t) => [t.eventId, t]),
);

export const FIXED_FIELD_BY_ID: ReadonlyMap<string, FixedFieldDefinition> = new Map(
  FIXED_FIELDS.map((f) => [f.attributeId, f]),
);

/**
 * Every attribute id across the catalogue with its one type: an id means the same thing in
 * every event type that has it, so a filter on it has one meaning (checked by a unit test).
 */
export const ATTRIBUTE_TYPE_BY_ID: ReadonlyMap<string, AttributeType> = new Map(
  EVENT_TYPES.flatMap((t) => t.attributes.map((a) => [a.attributeId, a.type] as const)),
);

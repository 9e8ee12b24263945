import { loadEnv } from '@app/common';
import { CustomerEnv } from '../config/customer.env';
import type { CustomerEntity } from '../customers/customer.entity';
import type { RequestContext } from '../http/request-context';
import type { UnitOfWork } from '../persistence/unit-of-work';

/** Unit-test helpers: services are built by hand (`new Service(...)`) with repository mocks. */

export const testEnv = (extra: Record<string, string> = {}): CustomerEnv =>
  loadEnv(CustomerEnv, { DATABASE_URL: 'postgres://localhost/db', ...extra });

/** A unit of work that runs the function as is, counting the transactions asked for. */
export class FakeUnitOfWork {
  transactions = 0;

  transaction<T>(fn: () => Promise<T>): Promise<T> {
    this.transactions++;
    return fn();
  }

  get asUnitOfWork(): UnitOfWork {
    return this as unknown as UnitOfWork;
  }
}

export const appContext: RequestContext = {
  actor: { type: 'client', id: 'app' },
  clientId: 'app',
  ipAddress: '203.0.113.7',
  userAgent: 'test',
  transactionId: '8e03978e-40d5-43e8-bd93-0f28ca1f3d2a',
  channel: 'api',
};

export function customer(overrides: Partial<CustomerEntity> = {}): CustomerEntity {
  const at = new Date('2026-01-01T00:00:00Z');
  return {
    id: '11111111-1111-4111-8111-111111111111',
    institutionId: 'fi-one',
    loginId: 'jdoe2026',
    loginIdKey: 'jdoe2026',
    userType: 'RETAIL',
    institutionCustomerId: null,
    memberNumber: null,
    status: 'registered',
    firstName: 'Jane',
    middleName: null,
    lastName: 'Doe',
    birthDate: '1990-04-17',
    ssnSealed: 'v1.sealed',
    ssnLast4: '6780',
    emailAddress: 'jane@example.com',
    phoneNumber: '+12025550143',
    postalAddress: {
      address1: '1 Main St',
      city: 'Springfield',
      state: 'IL',
      postalCode: '62701',
      country: 'US',
    },
    failedLoginCount: 0,
    lockedAt: null,
    lastLoginAt: null,
    version: 1,
    createdAt: at,
    updatedAt: at,
    ...overrides,
  };
}

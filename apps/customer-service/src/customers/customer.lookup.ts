import type { EntityManager } from 'typeorm';
import { CustomerErrors } from './customer.errors';
import { CustomerEntity } from './customer.entity';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/**
 * The customer with this id in this FI, optionally row-locked for a change. Another FI's
 * customer, and an id that is not even a UUID, are "not found": existence is not revealed.
 */
export async function findCustomer(
  em: EntityManager,
  institutionId: string,
  customerId: string,
  forUpdate = false,
): Promise<CustomerEntity> {
  if (!UUID.test(customerId)) throw CustomerErrors.customerNotFound();
  const customer = await em.findOne(CustomerEntity, {
    where: { id: customerId.toLowerCase(), institutionId },
    ...(forUpdate ? { lock: { mode: 'pessimistic_write' as const } } : {}),
  });
  if (!customer) throw CustomerErrors.customerNotFound();
  return customer;
}

import { isCustomerPrincipal, type AccessPrincipal } from '@app/common';
import { ActivityErrors } from '../common/activity.errors';
import type { SearchQuery } from './search.query';

/**
 * With a customer's (password-grant) token a search or export answers for that customer alone:
 * it must name the customer, by loginId or customerId, and nobody else. An FI-wide query, or
 * one naming another user, is refused (403) rather than quietly narrowed, so that an app sees
 * at once that it used the wrong token.
 */
export function confineToCustomer(principal: AccessPrincipal, q: SearchQuery): void {
  if (!isCustomerPrincipal(principal)) return;
  const self = q.userIdType === 'loginId' ? principal.loginId : principal.subject;
  if (q.userIds.length === 0 || q.userIds.some((id) => id !== self))
    throw ActivityErrors.otherCustomersActivity();
}

import type { AccessPrincipal } from '@app/common';
import type { Request } from 'express';
import type { ActorType } from '../audit/audit-event.entity';
import type { Channel } from '../outbox/activity-event';

/** Who did something and from where: what the audit trail and the events record. */
export interface RequestContext {
  actor: { type: ActorType; id: string };
  clientId?: string;
  ipAddress?: string | null;
  userAgent?: string | null;
  transactionId?: string;
  channel: Channel;
}

const MAX_USER_AGENT = 512;

/** The context of an API call: a customer (password-grant token) or the FI's app. */
export function requestContext(principal: AccessPrincipal, req: Request): RequestContext {
  const userAgent = req.headers['user-agent'];
  return {
    actor:
      principal.loginId !== undefined
        ? { type: 'customer', id: principal.subject }
        : { type: 'client', id: principal.clientId },
    clientId: principal.clientId,
    ipAddress: req.ip ?? null,
    userAgent: userAgent ? userAgent.slice(0, MAX_USER_AGENT) : null,
    transactionId: req.transactionId,
    channel: 'api',
  };
}

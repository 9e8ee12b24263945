import { createParamDecorator, type ExecutionContext } from '@nestjs/common';
import type { AccessPrincipal } from '@app/common';
import type { FastifyRequest } from 'fastify';
import type { ActorType } from '../audit/audit-event.entity';
import type { Channel } from '../outbox/activity-event';

/**
 * Who did something and from where: what the audit trail and the events record. Services take
 * this plain value, never the request.
 */
export interface RequestContext {
  actor: { type: ActorType; id: string };
  clientId?: string;
  ipAddress?: string | null;
  userAgent?: string | null;
  transactionId?: string;
  channel: Channel;
}

/** Longer user agents are cut (audit rows, acceptances). */
export const MAX_USER_AGENT = 512;

export const truncateUserAgent = (userAgent: string | undefined | null): string | null =>
  userAgent ? userAgent.slice(0, MAX_USER_AGENT) : null;

/** The context of an API call: a customer (password-grant token) or the FI's app. */
export function requestContext(
  principal: AccessPrincipal,
  from: { ipAddress?: string; userAgent?: string; transactionId?: string },
): RequestContext {
  return {
    actor:
      principal.loginId !== undefined
        ? { type: 'customer', id: principal.subject }
        : { type: 'client', id: principal.clientId },
    clientId: principal.clientId,
    ipAddress: from.ipAddress ?? null,
    userAgent: truncateUserAgent(from.userAgent),
    ...(from.transactionId ? { transactionId: from.transactionId } : {}),
    channel: 'api',
  };
}

/**
 * The RequestContext of the call, for a controller to hand to its service: the verified
 * principal, the client address (Fastify's `ip`: X-Forwarded-For only from TRUSTED_PROXIES),
 * the user agent and the transactionId. Only on routes behind the bearer guards.
 */
export const CallContext = createParamDecorator(
  (_: unknown, ctx: ExecutionContext): RequestContext => {
    const req = ctx.switchToHttp().getRequest<FastifyRequest & { user: AccessPrincipal }>();
    return requestContext(req.user, {
      ipAddress: req.ip,
      userAgent: req.headers['user-agent'],
      transactionId: req.raw.transactionId,
    });
  },
);

/** The transactionId of the call (routes without a customer principal, e.g. internal ones). */
export const TransactionId = createParamDecorator(
  (_: unknown, ctx: ExecutionContext): string | undefined =>
    ctx.switchToHttp().getRequest<FastifyRequest>().raw.transactionId,
);

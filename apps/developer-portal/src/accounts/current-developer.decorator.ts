import { createParamDecorator, type ExecutionContext } from '@nestjs/common';
import type { FastifyRequest } from 'fastify';
import { signedInOf } from '../web/portal-request';
import { PortalErrors } from '../web/portal-errors';
import type { CurrentDeveloperView, SignedIn } from './signed-in';

/**
 * The signed-in developer and their sandbox organization, for handlers behind OrganizationGuard:
 * `{developerId, email, name, organizationId, institutionId}`.
 */
export const CurrentDeveloper = createParamDecorator(
  (_data: unknown, context: ExecutionContext): CurrentDeveloperView => {
    const signedIn = signedInOf(context.switchToHttp().getRequest<FastifyRequest>());
    if (!signedIn) throw PortalErrors.signInRequired();
    if (!signedIn.organizationId || !signedIn.institutionId || !signedIn.provisioned)
      throw PortalErrors.provisioningUnfinished();
    return {
      developerId: signedIn.developerId,
      email: signedIn.email,
      name: signedIn.name,
      organizationId: signedIn.organizationId,
      institutionId: signedIn.institutionId,
    };
  },
);

/** The signed-in developer in any state (behind SessionGuard): account pages, /welcome. */
export const CurrentAccount = createParamDecorator(
  (_data: unknown, context: ExecutionContext): SignedIn => {
    const signedIn = signedInOf(context.switchToHttp().getRequest<FastifyRequest>());
    if (!signedIn) throw PortalErrors.signInRequired();
    return signedIn;
  },
);

import { CanActivate, ExecutionContext, Injectable } from '@nestjs/common';
import type { FastifyRequest } from 'fastify';
import { signedInOf } from '../web/portal-request';
import { PortalErrors } from '../web/portal-errors';

/** The page needs a signed-in developer (any state); a browser without one is sent to log in. */
@Injectable()
export class SessionGuard implements CanActivate {
  canActivate(context: ExecutionContext): boolean {
    if (!signedInOf(context.switchToHttp().getRequest<FastifyRequest>()))
      throw PortalErrors.signInRequired();
    return true;
  }
}

/**
 * The page needs a verified developer whose sandbox organization is provisioned; use it with
 * @CurrentDeveloper(). Unverified: 403. Provisioning unfinished: sent to /welcome to finish it.
 */
@Injectable()
export class OrganizationGuard implements CanActivate {
  canActivate(context: ExecutionContext): boolean {
    const signedIn = signedInOf(context.switchToHttp().getRequest<FastifyRequest>());
    if (!signedIn) throw PortalErrors.signInRequired();
    if (!signedIn.verified) throw PortalErrors.verificationRequired();
    if (!signedIn.provisioned || !signedIn.organizationId || !signedIn.institutionId)
      throw PortalErrors.provisioningUnfinished();
    return true;
  }
}

import { Controller, Get, Post, Res, UseGuards } from '@nestjs/common';
import { ApiExcludeController } from '@nestjs/swagger';
import type { FastifyReply } from 'fastify';
import { CurrentAccount } from '../accounts/current-developer.decorator';
import { SessionGuard } from '../accounts/session.guard';
import type { SignedIn } from '../accounts/signed-in';
import { PortalEnv } from '../config/portal.env';
import { portalPath } from '../web/portal-request';
import { ProvisioningPages } from './provisioning.pages';
import { ProvisioningService } from './provisioning.service';

/**
 * `/welcome`: where a signed-in developer lands. Unverified: how to verify (and a new link).
 * Sandbox unfinished: what stopped it and a button that continues. Ready: on to /apps.
 */
@ApiExcludeController()
@Controller('welcome')
@UseGuards(SessionGuard)
export class WelcomeController {
  constructor(
    private readonly pages: ProvisioningPages,
    private readonly provisioning: ProvisioningService,
    private readonly env: PortalEnv,
  ) {}

  @Get()
  async welcome(@CurrentAccount() account: SignedIn, @Res() reply: FastifyReply) {
    if (!account.verified)
      return reply
        .status(200)
        .view('accounts/views/verify-pending', { title: 'Verify your email' });
    if (account.provisioned) return reply.redirect(portalPath(this.env, '/apps'), 303);
    return reply.status(200).view('organizations/views/provisioning', {
      title: 'Finish setting up your sandbox',
      problem: await this.provisioning.lastProblem(account.developerId),
    });
  }

  @Post()
  async provision(@CurrentAccount() account: SignedIn, @Res() reply: FastifyReply) {
    if (!account.verified)
      return reply
        .status(403)
        .view('accounts/views/verify-pending', { title: 'Verify your email' });
    return this.pages.provisionAndRender(account.developerId, reply);
  }
}

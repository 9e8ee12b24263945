import { Controller, Get, Post, Res, UseGuards } from '@nestjs/common';
import { ApiExcludeController } from '@nestjs/swagger';
import { SANDBOX_SAMPLE_PASSWORD, SANDBOX_SAMPLE_USERS } from '@app/common';
import type { FastifyReply } from 'fastify';
import { CurrentDeveloper } from '../accounts/current-developer.decorator';
import { OrganizationGuard } from '../accounts/session.guard';
import type { CurrentDeveloperView } from '../accounts/signed-in';
import { PortalEnv } from '../config/portal.env';
import { sampleCustomers } from '../organizations/provisioning.pages';
import { SandboxService } from './sandbox.service';

/** `/sandbox`: the organization's sandbox FI; `/sandbox/reset` wipes and re-seeds it. */
@ApiExcludeController()
@Controller('sandbox')
@UseGuards(OrganizationGuard)
export class SandboxController {
  constructor(
    private readonly sandbox: SandboxService,
    private readonly env: PortalEnv,
  ) {}

  @Get()
  overview(@CurrentDeveloper() dev: CurrentDeveloperView, @Res() reply: FastifyReply) {
    return reply.status(200).view('sandbox/views/sandbox', {
      title: 'Sandbox',
      institutionId: dev.institutionId,
      // The one sample roster both services seed (libs/common), with its published password.
      users: SANDBOX_SAMPLE_USERS,
      samplePassword: SANDBOX_SAMPLE_PASSWORD,
      tokenUrl: `${this.env.publicApiUrls.auth}/oauth2/v1/token`,
    });
  }

  @Get('reset')
  confirm(@CurrentDeveloper() dev: CurrentDeveloperView, @Res() reply: FastifyReply) {
    return reply.status(200).view('sandbox/views/reset', {
      title: 'Reset your sandbox',
      institutionId: dev.institutionId,
    });
  }

  @Post('reset')
  async reset(@CurrentDeveloper() dev: CurrentDeveloperView, @Res() reply: FastifyReply) {
    const summary = await this.sandbox.reset(dev.organizationId, dev.institutionId);
    return reply.status(200).view('sandbox/views/reset-done', {
      title: 'Sandbox reset',
      institutionId: dev.institutionId,
      sampleCustomers: sampleCustomers(summary),
    });
  }
}

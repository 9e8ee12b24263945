import { Body, Controller, Get, Param, Post, Query, Res, UseGuards } from '@nestjs/common';
import { ApiExcludeController } from '@nestjs/swagger';
import { FI_SCOPES } from '@app/common';
import type { FastifyReply } from 'fastify';
import { CurrentDeveloper } from '../accounts/current-developer.decorator';
import { OrganizationGuard } from '../accounts/session.guard';
import type { CurrentDeveloperView } from '../accounts/signed-in';
import { PortalEnv } from '../config/portal.env';
import { field, fieldErrors, fields } from '../web/forms';
import { portalPath } from '../web/portal-request';
import { AppsService, ROTATION_OVERLAPS } from './apps.service';
import { postmanCollection, postmanEnvironment } from './postman';

/**
 * `/apps`: the organization's apps; create, rotate the Secret Key with an overlap, revoke, and
 * the Postman files. A Secret Key appears only on the page answering the create or rotate POST
 * (Cache-Control: no-store, as every page here), never again.
 */
@ApiExcludeController()
@Controller('apps')
@UseGuards(OrganizationGuard)
export class AppsController {
  constructor(
    private readonly apps: AppsService,
    private readonly env: PortalEnv,
  ) {}

  @Get()
  async list(
    @CurrentDeveloper() dev: CurrentDeveloperView,
    @Query('revoked') revoked: string | undefined,
    @Res() reply: FastifyReply,
  ) {
    return reply.status(200).view('apps/views/apps', {
      title: 'Apps',
      apps: await this.apps.list(dev.institutionId),
      institutionId: dev.institutionId,
      scopes: FI_SCOPES,
      overlaps: ROTATION_OVERLAPS,
      values: { scopes: FI_SCOPES },
      revoked: typeof revoked === 'string' ? revoked : undefined,
    });
  }

  @Post()
  async create(
    @CurrentDeveloper() dev: CurrentDeveloperView,
    @Body() body: unknown,
    @Res() reply: FastifyReply,
  ) {
    const input = { name: field(body, 'name'), scopes: fields(body, 'scopes') };
    try {
      const app = await this.apps.create(dev.institutionId, input);
      return reply.status(201).view('apps/views/secret', {
        title: 'App created',
        app,
        heading: `${app.name} is ready`,
        tokenUrl: `${this.env.publicApiUrls.auth}/oauth2/v1/token`,
      });
    } catch (err) {
      const errors = fieldErrors(err);
      if (!errors) throw err;
      return reply.status(400).view('apps/views/apps', {
        title: 'Apps (there is a problem)',
        apps: await this.apps.list(dev.institutionId),
        institutionId: dev.institutionId,
        scopes: FI_SCOPES,
        overlaps: ROTATION_OVERLAPS,
        values: input,
        errors,
      });
    }
  }

  @Post(':clientId/secret')
  async rotate(
    @CurrentDeveloper() dev: CurrentDeveloperView,
    @Param('clientId') clientId: string,
    @Body() body: unknown,
    @Res() reply: FastifyReply,
  ) {
    const overlap = Number(field(body, 'overlap') || 'NaN');
    const app = await this.apps.rotate(dev.institutionId, clientId, overlap);
    const previousUntil = overlap > 0 ? new Date(Date.now() + overlap * 1000) : undefined;
    return reply.status(200).view('apps/views/secret', {
      title: 'Secret Key rotated',
      app,
      heading: `New Secret Key for ${app.name}`,
      previousUntil,
      tokenUrl: `${this.env.publicApiUrls.auth}/oauth2/v1/token`,
    });
  }

  @Get(':clientId/revoke')
  async confirmRevoke(
    @CurrentDeveloper() dev: CurrentDeveloperView,
    @Param('clientId') clientId: string,
    @Res() reply: FastifyReply,
  ) {
    const app = await this.apps.owned(dev.institutionId, clientId);
    return reply.status(200).view('apps/views/revoke', { title: `Revoke ${app.name}`, app });
  }

  @Post(':clientId/revoke')
  async revoke(
    @CurrentDeveloper() dev: CurrentDeveloperView,
    @Param('clientId') clientId: string,
    @Res() reply: FastifyReply,
  ) {
    const app = await this.apps.revoke(dev.institutionId, clientId);
    return reply.redirect(
      portalPath(this.env, `/apps?revoked=${encodeURIComponent(app.clientId)}`),
      303,
    );
  }

  @Get(':clientId/postman')
  async postman(
    @CurrentDeveloper() dev: CurrentDeveloperView,
    @Param('clientId') clientId: string,
    @Res() reply: FastifyReply,
  ) {
    const app = await this.apps.owned(dev.institutionId, clientId);
    return reply.status(200).view('apps/views/postman', { title: `Postman: ${app.name}`, app });
  }

  @Get(':clientId/postman/collection.json')
  async collection(
    @CurrentDeveloper() dev: CurrentDeveloperView,
    @Param('clientId') clientId: string,
    @Res() reply: FastifyReply,
  ) {
    const app = await this.apps.owned(dev.institutionId, clientId);
    return this.download(
      reply,
      `${slug(app.name)}.postman_collection.json`,
      postmanCollection(this.target(dev, app)),
    );
  }

  @Get(':clientId/postman/environment.json')
  async environment(
    @CurrentDeveloper() dev: CurrentDeveloperView,
    @Param('clientId') clientId: string,
    @Res() reply: FastifyReply,
  ) {
    const app = await this.apps.owned(dev.institutionId, clientId);
    return this.download(
      reply,
      `${slug(app.name)}.postman_environment.json`,
      postmanEnvironment(this.target(dev, app)),
    );
  }

  private target(dev: CurrentDeveloperView, app: { name: string; clientId: string }) {
    return {
      appName: app.name,
      clientId: app.clientId,
      institutionId: dev.institutionId,
      urls: this.env.publicApiUrls,
    };
  }

  private download(reply: FastifyReply, filename: string, body: unknown) {
    return reply
      .status(200)
      .header('content-type', 'application/json; charset=utf-8')
      .header('content-disposition', `attachment; filename="${filename}"`)
      .send(`${JSON.stringify(body, null, 2)}\n`);
  }
}

const slug = (name: string): string =>
  name
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '-')
    .replace(/^-|-$/g, '')
    .slice(0, 60) || 'app';

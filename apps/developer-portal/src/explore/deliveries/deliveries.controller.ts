import { Body, Controller, Get, Param, Post, Query, Res, UseGuards } from '@nestjs/common';
import { ApiExcludeController } from '@nestjs/swagger';
import type { FastifyReply } from 'fastify';
import { CurrentDeveloper } from '../../accounts/current-developer.decorator';
import { OrganizationGuard } from '../../accounts/session.guard';
import type { CurrentDeveloperView } from '../../accounts/signed-in';
import { PortalEnv } from '../../config/portal.env';
import { portalPath } from '../../web/portal-request';
import { CADENCES, DeliveriesService, type CreateForm } from './deliveries.service';

const VIEW = 'explore/views/deliveries';
const STYLES = ['/assets/explore/explore.css'];
const field = (v: unknown): string => (typeof v === 'string' ? v : '');

/**
 * `/deliveries`: the organization's delivery subscriptions, the delivery log of one, a test
 * delivery (POST + CSRF, then back to the log), and a new webhook subscription whose signing
 * secret is shown once, on the answer to the form.
 */
@ApiExcludeController()
@Controller('deliveries')
@UseGuards(OrganizationGuard)
export class DeliveriesController {
  constructor(
    private readonly deliveries: DeliveriesService,
    private readonly env: PortalEnv,
  ) {}

  @Get()
  async page(
    @CurrentDeveloper() developer: CurrentDeveloperView,
    @Query() query: Record<string, unknown>,
    @Res() reply: FastifyReply,
  ): Promise<FastifyReply> {
    const view = await this.deliveries.page(developer.institutionId, {
      subscription: field(query.subscription) || undefined,
      page: field(query.page) || undefined,
      tested: field(query.tested) || undefined,
    });
    return reply.view(VIEW, this.data(view, { name: '', cadence: 'realtime', url: '' }, {}));
  }

  @Post()
  async create(
    @CurrentDeveloper() developer: CurrentDeveloperView,
    @Body() body: Record<string, unknown>,
    @Res() reply: FastifyReply,
  ): Promise<FastifyReply> {
    const form: CreateForm = {
      name: field(body.name),
      cadence: field(body.cadence),
      url: field(body.url),
    };
    const created = await this.deliveries.create(developer.institutionId, form);
    const view = await this.deliveries.page(developer.institutionId, {});
    if (!created.ok) {
      if (created.notice) view.notice = created.notice;
      return reply.status(400).view(VIEW, this.data(view, form, created.errors));
    }
    // Shown here once: the secret is on this answer only, never stored by the portal.
    return reply.status(201).view(VIEW, {
      ...this.data(view, { name: '', cadence: 'realtime', url: '' }, {}),
      created: created.subscription,
      secret: created.secret,
    });
  }

  @Post(':id/test')
  async test(
    @CurrentDeveloper() developer: CurrentDeveloperView,
    @Param('id') id: string,
    @Res() reply: FastifyReply,
  ): Promise<FastifyReply> {
    const result = await this.deliveries.test(developer.institutionId, id);
    if (!result.ok) {
      const view = await this.deliveries.page(developer.institutionId, { subscription: id });
      view.notice = result.notice;
      return reply
        .status(result.notice.includes('no such') ? 404 : 409)
        .view(VIEW, this.data(view, { name: '', cadence: 'realtime', url: '' }, {}));
    }
    const to = `/deliveries?${new URLSearchParams({ subscription: id, tested: result.deliveryId }).toString()}#log`;
    return reply.redirect(portalPath(this.env, to), 303);
  }

  private data(
    view: Awaited<ReturnType<DeliveriesService['page']>>,
    form: CreateForm,
    errors: Record<string, string[]>,
  ) {
    return {
      ...view,
      title: 'Deliveries',
      styles: STYLES,
      form,
      errors,
      cadences: CADENCES,
      created: null,
      secret: null,
      nextLink:
        view.selected && view.log?.nextPageToken
          ? `?${new URLSearchParams({ subscription: view.selected.subscriptionId, page: view.log.nextPageToken }).toString()}#log`
          : null,
    };
  }
}

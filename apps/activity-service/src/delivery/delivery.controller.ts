import { Body, Controller, Delete, Get, HttpCode, Param, Patch, Post, Query } from '@nestjs/common';
import { ApiOperation, ApiTags } from '@nestjs/swagger';
import { Principal, RequireScopes, Scope, type AccessPrincipal } from '@app/common';
import { ACTIVITY_ROUTE } from '../common/body-parsing';
import { SubscriptionService } from './subscription.service';

const DELIVERY_SCOPES = [
  Scope.BankingActivitiesRead,
  Scope.AccountRead,
  Scope.BankingActivitiesDeliveries,
] as const;

/** Delivery subscriptions of the token's FI (apps only: customers' tokens get 403). */
@ApiTags('banking-activities delivery')
@Controller(`${ACTIVITY_ROUTE}/subscriptions`)
export class DeliveryController {
  constructor(private readonly subscriptions: SubscriptionService) {}

  @Post()
  @HttpCode(201)
  @RequireScopes(...DELIVERY_SCOPES)
  @ApiOperation({ summary: 'Create a delivery subscription (the webhook secret is shown once)' })
  create(@Principal() p: AccessPrincipal, @Body() body: unknown) {
    return this.subscriptions.create(p.institutionId, body ?? null);
  }

  @Get()
  @RequireScopes(...DELIVERY_SCOPES)
  @ApiOperation({ summary: "The institution's delivery subscriptions" })
  list(@Principal() p: AccessPrincipal) {
    return this.subscriptions.list(p.institutionId);
  }

  @Get(':id')
  @RequireScopes(...DELIVERY_SCOPES)
  read(@Principal() p: AccessPrincipal, @Param('id') id: string) {
    return this.subscriptions.read(p.institutionId, id);
  }

  @Patch(':id')
  @RequireScopes(...DELIVERY_SCOPES)
  @ApiOperation({ summary: 'Change name, filter, destination or status (active | paused)' })
  update(@Principal() p: AccessPrincipal, @Param('id') id: string, @Body() body: unknown) {
    return this.subscriptions.update(p.institutionId, id, body ?? null);
  }

  @Delete(':id')
  @HttpCode(204)
  @RequireScopes(...DELIVERY_SCOPES)
  async remove(@Principal() p: AccessPrincipal, @Param('id') id: string): Promise<void> {
    await this.subscriptions.remove(p.institutionId, id);
  }

  @Post(':id/secret')
  @HttpCode(200)
  @RequireScopes(...DELIVERY_SCOPES)
  @ApiOperation({ summary: 'Rotate the webhook secret; the old one signs beside it for a while' })
  rotate(@Principal() p: AccessPrincipal, @Param('id') id: string, @Body() body: unknown) {
    return this.subscriptions.rotateSecret(p.institutionId, id, body ?? {});
  }

  @Post(':id/test')
  @HttpCode(200)
  @RequireScopes(...DELIVERY_SCOPES)
  @ApiOperation({ summary: 'Send a subscription.test delivery now; answers its outcome' })
  test(@Principal() p: AccessPrincipal, @Param('id') id: string) {
    return this.subscriptions.test(p.institutionId, id);
  }

  @Post(':id/replay')
  @HttpCode(202)
  @RequireScopes(...DELIVERY_SCOPES)
  @ApiOperation({ summary: 'Deliver a range (commit time) again, marked replay: true' })
  replay(@Principal() p: AccessPrincipal, @Param('id') id: string, @Body() body: unknown) {
    return this.subscriptions.replay(p.institutionId, id, body ?? null);
  }

  @Get(':id/deliveries')
  @RequireScopes(...DELIVERY_SCOPES)
  @ApiOperation({ summary: 'The delivery log, newest first, keyset-paged' })
  deliveries(
    @Principal() p: AccessPrincipal,
    @Param('id') id: string,
    @Query() query: { pageSize?: string; pageToken?: string },
  ) {
    return this.subscriptions.deliveries(p.institutionId, id, query);
  }
}

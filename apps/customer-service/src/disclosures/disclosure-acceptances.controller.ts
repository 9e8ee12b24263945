import { Body, Controller, Param, Post, Res } from '@nestjs/common';
import { ApiCreatedResponse, ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { ForCaller, Principal, Scope, type AccessPrincipal } from '@app/common';
import type { FastifyReply } from 'fastify';
import { CallContext, type RequestContext } from '../http/request-context';
import { AcceptanceResultView, AcceptedDisclosureView, DisclosureRefDto } from './disclosure.dto';
import { DisclosuresService } from './disclosures.service';

/** `me` routes are declared first so that `me` is never read as a customer id. */
@ApiTags('disclosures')
@Controller('customers/v2/customers')
export class DisclosureAcceptancesController {
  constructor(private readonly disclosures: DisclosuresService) {}

  @Post('me/disclosure-acceptances')
  @ForCaller('customer', Scope.ProfileWrite)
  @ApiOperation({ summary: 'The signed-in customer accepts the version in force of a disclosure' })
  @ApiCreatedResponse({ type: AcceptanceResultView, description: 'Accepted' })
  @ApiOkResponse({ type: AcceptanceResultView, description: 'Had already been accepted' })
  acceptMine(
    @Principal() principal: AccessPrincipal,
    @Body() dto: DisclosureRefDto,
    @CallContext() ctx: RequestContext,
    @Res({ passthrough: true }) reply: FastifyReply,
  ): Promise<AcceptanceResultView> {
    return this.accept(principal, principal.subject, dto, ctx, reply);
  }

  @Post(':customerId/disclosure-acceptances')
  @ForCaller('app', Scope.CustomersWrite)
  @ApiOperation({
    summary: "Record a customer's acceptance of the version in force of a disclosure",
  })
  @ApiCreatedResponse({ type: AcceptanceResultView, description: 'Accepted' })
  @ApiOkResponse({ type: AcceptanceResultView, description: 'Had already been accepted' })
  acceptFor(
    @Principal() principal: AccessPrincipal,
    @Param('customerId') customerId: string,
    @Body() dto: DisclosureRefDto,
    @CallContext() ctx: RequestContext,
    @Res({ passthrough: true }) reply: FastifyReply,
  ): Promise<AcceptanceResultView> {
    return this.accept(principal, customerId, dto, ctx, reply);
  }

  private async accept(
    principal: AccessPrincipal,
    customerId: string,
    dto: DisclosureRefDto,
    ctx: RequestContext,
    reply: FastifyReply,
  ): Promise<AcceptanceResultView> {
    const outcome = await this.disclosures.accept(principal.institutionId, customerId, dto, ctx);
    reply.code(outcome.created ? 201 : 200);
    return { ...AcceptedDisclosureView.of(outcome.acceptance), userStatus: outcome.userStatus };
  }
}

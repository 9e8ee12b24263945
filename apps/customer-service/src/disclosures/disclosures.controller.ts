import { Body, Controller, Get, Param, Post, Res } from '@nestjs/common';
import { ApiCreatedResponse, ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { ForCaller, Principal, Scope, type AccessPrincipal } from '@app/common';
import type { FastifyReply } from 'fastify';
import { CallContext, type RequestContext } from '../http/request-context';
import { DisclosureListView, DisclosureView, PublishDisclosureDto } from './disclosure.dto';
import { DisclosuresService } from './disclosures.service';

@ApiTags('disclosures')
@Controller('customers/v2/disclosures')
export class DisclosuresController {
  constructor(private readonly disclosures: DisclosuresService) {}

  @Get()
  @ForCaller('app-or-customer', Scope.DisclosuresRead)
  @ApiOperation({ summary: "The FI's terms and legal agreements in force, one version of each" })
  @ApiOkResponse({ type: DisclosureListView })
  async list(@Principal() principal: AccessPrincipal): Promise<DisclosureListView> {
    const inForce = await this.disclosures.inForce(principal.institutionId);
    return { disclosures: inForce.map((d) => DisclosureView.of(d, true)) };
  }

  @Get(':disclosureId/versions/:version')
  @ForCaller('app-or-customer', Scope.DisclosuresRead)
  @ApiOperation({ summary: 'One version of a disclosure, in force or not' })
  @ApiOkResponse({ type: DisclosureView })
  async version(
    @Principal() principal: AccessPrincipal,
    @Param('disclosureId') disclosureId: string,
    @Param('version') version: string,
  ): Promise<DisclosureView> {
    const { disclosure, inForce } = await this.disclosures.findVersion(principal.institutionId, {
      disclosureId,
      version,
    });
    return DisclosureView.of(disclosure, inForce);
  }

  @Post()
  @ForCaller('app', Scope.DisclosuresWrite)
  @ApiOperation({
    summary:
      'Publish a disclosure or a new version of one; a new required version moves existing customers to needsToAcceptDisclosure',
  })
  @ApiCreatedResponse({ type: DisclosureView })
  async publish(
    @Principal() principal: AccessPrincipal,
    @Body() dto: PublishDisclosureDto,
    @CallContext() ctx: RequestContext,
    @Res({ passthrough: true }) reply: FastifyReply,
  ): Promise<DisclosureView> {
    const { disclosure, inForce } = await this.disclosures.publish(
      principal.institutionId,
      dto,
      ctx,
    );
    reply.header(
      'Location',
      `/customers/v2/disclosures/${encodeURIComponent(disclosure.disclosureId)}/versions/${encodeURIComponent(disclosure.version)}`,
    );
    return DisclosureView.of(disclosure, inForce);
  }
}

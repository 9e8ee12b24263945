import { Body, Controller, Get, Param, Post, Res } from '@nestjs/common';
import {
  ApiBody,
  ApiCreatedResponse,
  ApiOkResponse,
  ApiOperation,
  ApiParam,
  ApiTags,
} from '@nestjs/swagger';
import {
  ApiJsonBodyProblems,
  ApiProblem,
  ExampleValue,
  ForCaller,
  Principal,
  Scope,
  requestExamples,
  type AccessPrincipal,
} from '@app/common';
import type { FastifyReply } from 'fastify';
import { CallContext, type RequestContext } from '../http/request-context';
import { E_SIGN_CONSENT } from './default-disclosures';
import { DisclosureListView, DisclosureView, PublishDisclosureDto } from './disclosure.dto';
import { DisclosuresService } from './disclosures.service';

/** Published by the first example below; the acceptance examples accept this version. */
export const EXAMPLE_DISCLOSURE = {
  disclosureId: E_SIGN_CONSENT.disclosureId,
  version: E_SIGN_CONSENT.version,
};

const PUBLISH_EXAMPLES = requestExamples({
  eSign: {
    summary: 'E-sign consent, version 1 (optional)',
    description:
      'disclosureId and version together must be new: the first time in an FI this answers 201, then 409 CUS_DISCLOSURE_VERSION_EXISTS. Optional (required: false), so registrations need not list it.',
    value: { ...E_SIGN_CONSENT },
    status: 201,
  },
  newVersion: {
    summary: 'A new version of the privacy notice',
    description:
      'The version is new each time the document is loaded (a version can be published once). A required one would move existing customers to needsToAcceptDisclosure.',
    value: {
      disclosureId: 'privacy-notice',
      version: `v${ExampleValue.unique}`,
      name: 'Privacy notice',
      required: false,
      content: '<p>How we collect, use and share your information.</p>',
    },
    status: 201,
  },
});

@ApiTags('disclosures')
@Controller('customers/v2/disclosures')
export class DisclosuresController {
  constructor(private readonly disclosures: DisclosuresService) {}

  @Get()
  @ForCaller('app-or-customer', Scope.DisclosuresRead)
  @ApiOperation({
    summary: "The FI's terms and legal agreements in force, one version of each",
    description:
      'What a registration must accept (required ones) and may accept; with a customer token too.',
  })
  @ApiOkResponse({ type: DisclosureListView })
  async list(@Principal() principal: AccessPrincipal): Promise<DisclosureListView> {
    const inForce = await this.disclosures.inForce(principal.institutionId);
    return { disclosures: inForce.map((d) => DisclosureView.of(d, true)) };
  }

  @Get(':disclosureId/versions/:version')
  @ForCaller('app-or-customer', Scope.DisclosuresRead)
  @ApiOperation({
    summary: 'One version of a disclosure, in force or not',
    description: 'Any published version, including past ones and ones not yet in force.',
  })
  @ApiParam({ name: 'disclosureId', example: EXAMPLE_DISCLOSURE.disclosureId })
  @ApiParam({ name: 'version', example: EXAMPLE_DISCLOSURE.version })
  @ApiOkResponse({ type: DisclosureView })
  @ApiProblem(404, ['CUS_DISCLOSURE_NOT_FOUND'], 'No such version.')
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
    description:
      'A version takes effect at effectiveAt (now when omitted) and replaces the one in force then. Location names the version.',
  })
  @ApiBody({ type: PublishDisclosureDto, examples: PUBLISH_EXAMPLES })
  @ApiCreatedResponse({ type: DisclosureView })
  @ApiJsonBodyProblems()
  @ApiProblem(409, ['CUS_DISCLOSURE_VERSION_EXISTS'], 'This version was already published.')
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

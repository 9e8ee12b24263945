import { applyDecorators, Body, Controller, Param, Post, Res } from '@nestjs/common';
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
  ForCaller,
  Principal,
  Scope,
  requestExamples,
  type AccessPrincipal,
} from '@app/common';
import type { FastifyReply } from 'fastify';
import { CallContext, type RequestContext } from '../http/request-context';
import { AcceptanceResultView, AcceptedDisclosureView, DisclosureRefDto } from './disclosure.dto';
import { EXAMPLE_DISCLOSURE } from './disclosures.controller';
import { DisclosuresService } from './disclosures.service';

const ACCEPT_EXAMPLES = requestExamples({
  eSign: {
    summary: 'Accept e-sign consent version 1',
    description:
      'The version in force: publish the e-sign example of POST /customers/v2/disclosures first (the sandbox FI starts with none), or take one from GET /customers/v2/disclosures. 201 the first time, 200 after.',
    value: EXAMPLE_DISCLOSURE,
    status: 201,
  },
});

const ACCEPT_DOCS = applyDecorators(
  ApiBody({ type: DisclosureRefDto, examples: ACCEPT_EXAMPLES }),
  ApiJsonBodyProblems(),
  ApiProblem(404, ['CUS_CUSTOMER_NOT_FOUND'], 'No such customer.'),
  ApiProblem(422, ['CUS_DISCLOSURE_NOT_IN_FORCE'], 'That version is not the one in force.'),
);

/** `me` routes are declared first so that `me` is never read as a customer id. */
@ApiTags('disclosures')
@Controller('customers/v2/customers')
export class DisclosureAcceptancesController {
  constructor(private readonly disclosures: DisclosuresService) {}

  @Post('me/disclosure-acceptances')
  @ForCaller('customer', Scope.ProfileWrite)
  @ApiOperation({
    summary: 'The signed-in customer accepts the version in force of a disclosure',
    description:
      "With the customer's own token. Time, address and user agent are kept; the status returns to active once every required disclosure is accepted.",
  })
  @ACCEPT_DOCS
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
    description:
      "By the FI's application (customers:write). Time, address and user agent are kept; the status returns to active once every required disclosure is accepted.",
  })
  @ApiParam({ name: 'customerId', description: 'The customerId a registration answered' })
  @ACCEPT_DOCS
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

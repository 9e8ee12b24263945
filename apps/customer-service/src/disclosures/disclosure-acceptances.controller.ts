import { Body, Controller, Param, Post, Req, Res } from '@nestjs/common';
import { ApiCreatedResponse, ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { ForCaller, Principal, Scope, type AccessPrincipal } from '@app/common';
import type { Request, Response } from 'express';
import { requestContext } from '../http/request-context';
import { AcceptanceResultView, AcceptedDisclosureView, DisclosureRefDto } from './disclosure.dto';
import { DisclosuresService } from './disclosures.service';

/** `me` routes come first: Express matches in declaration order and `me` is not a customer id. */
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
    @Req() req: Request,
    @Res({ passthrough: true }) res: Response,
  ): Promise<AcceptanceResultView> {
    return this.accept(principal, principal.subject, dto, req, res);
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
    @Req() req: Request,
    @Res({ passthrough: true }) res: Response,
  ): Promise<AcceptanceResultView> {
    return this.accept(principal, customerId, dto, req, res);
  }

  private async accept(
    principal: AccessPrincipal,
    customerId: string,
    dto: DisclosureRefDto,
    req: Request,
    res: Response,
  ): Promise<AcceptanceResultView> {
    const outcome = await this.disclosures.accept(
      principal.institutionId,
      customerId,
      dto,
      requestContext(principal, req),
    );
    res.status(outcome.created ? 201 : 200);
    return { ...AcceptedDisclosureView.of(outcome.acceptance), userStatus: outcome.userStatus };
  }
}

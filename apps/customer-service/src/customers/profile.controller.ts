import { Body, Controller, Get, Headers, Param, Patch, Req, Res } from '@nestjs/common';
import {
  ApiBody,
  ApiConsumes,
  ApiHeader,
  ApiOkResponse,
  ApiOperation,
  ApiTags,
} from '@nestjs/swagger';
import { ForCaller, Principal, Scope, type AccessPrincipal } from '@app/common';
import type { Request, Response } from 'express';
import { requestContext } from '../http/request-context';
import { ContactDetailsDto } from './contact.dto';
import { CustomerErrors } from './customer.errors';
import { CustomerView, ifNoneMatchHit } from './customer.view';
import { ProfileService, type RenderedProfile } from './profile.service';

const MERGE_PATCH = 'application/merge-patch+json';

const send = (res: Response, profile: RenderedProfile): CustomerView => {
  res.setHeader('ETag', profile.etag);
  // Personal data: never kept by a shared cache.
  res.setHeader('Cache-Control', 'no-store');
  return profile.view;
};

/** A read: 304 without a body when the client's copy (If-None-Match) is current. */
const sendRead = (
  req: Request,
  res: Response,
  profile: RenderedProfile,
): CustomerView | undefined => {
  const view = send(res, profile);
  if (!ifNoneMatchHit(req.headers['if-none-match'], profile.etag)) return view;
  res.status(304);
  return undefined;
};

/** `me` routes come first: Express matches in declaration order and `me` is not a customer id. */
@ApiTags('customers')
@Controller('customers/v2/customers')
export class ProfileController {
  constructor(private readonly profiles: ProfileService) {}

  @Get('me')
  @ForCaller('customer', Scope.ProfileRead)
  @ApiOperation({ summary: "The signed-in customer's profile (password-grant token)" })
  @ApiHeader({ name: 'If-None-Match', required: false, description: '304 when still current' })
  @ApiOkResponse({ type: CustomerView })
  async getMine(
    @Principal() principal: AccessPrincipal,
    @Req() req: Request,
    @Res({ passthrough: true }) res: Response,
  ): Promise<CustomerView | undefined> {
    return sendRead(req, res, await this.profiles.get(principal.institutionId, principal.subject));
  }

  @Patch('me')
  @ForCaller('customer', Scope.ProfileWrite)
  @ApiOperation({ summary: "Change the signed-in customer's contact details (JSON Merge Patch)" })
  @ApiConsumes(MERGE_PATCH)
  @ApiBody({ type: ContactDetailsDto, description: 'Any subset of the contact fields' })
  @ApiHeader({ name: 'If-Match', required: false, description: 'ETag of the profile read' })
  @ApiOkResponse({ type: CustomerView })
  async patchMine(
    @Principal() principal: AccessPrincipal,
    @Body() patch: unknown,
    @Headers('if-match') ifMatch: string | undefined,
    @Req() req: Request,
    @Res({ passthrough: true }) res: Response,
  ): Promise<CustomerView> {
    return this.patch(principal, principal.subject, patch, ifMatch, req, res);
  }

  @Get(':customerId')
  @ForCaller('app', Scope.CustomersRead)
  @ApiOperation({ summary: "A customer's profile" })
  @ApiHeader({ name: 'If-None-Match', required: false, description: '304 when still current' })
  @ApiOkResponse({ type: CustomerView })
  async get(
    @Principal() principal: AccessPrincipal,
    @Param('customerId') customerId: string,
    @Req() req: Request,
    @Res({ passthrough: true }) res: Response,
  ): Promise<CustomerView | undefined> {
    return sendRead(req, res, await this.profiles.get(principal.institutionId, customerId));
  }

  @Patch(':customerId')
  @ForCaller('app', Scope.CustomersWrite)
  @ApiOperation({ summary: "Change a customer's contact details (JSON Merge Patch)" })
  @ApiConsumes(MERGE_PATCH)
  @ApiBody({ type: ContactDetailsDto, description: 'Any subset of the contact fields' })
  @ApiHeader({ name: 'If-Match', required: false, description: 'ETag of the profile read' })
  @ApiOkResponse({ type: CustomerView })
  async patchOne(
    @Principal() principal: AccessPrincipal,
    @Param('customerId') customerId: string,
    @Body() patch: unknown,
    @Headers('if-match') ifMatch: string | undefined,
    @Req() req: Request,
    @Res({ passthrough: true }) res: Response,
  ): Promise<CustomerView> {
    return this.patch(principal, customerId, patch, ifMatch, req, res);
  }

  private async patch(
    principal: AccessPrincipal,
    customerId: string,
    patch: unknown,
    ifMatch: string | undefined,
    req: Request,
    res: Response,
  ): Promise<CustomerView> {
    if (!req.is(MERGE_PATCH)) throw CustomerErrors.unsupportedPatchType();
    const profile = await this.profiles.update(
      principal.institutionId,
      customerId,
      patch,
      ifMatch,
      requestContext(principal, req),
    );
    return send(res, profile);
  }
}

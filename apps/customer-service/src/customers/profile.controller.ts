import { Body, Controller, Get, Headers, Param, Patch, Res } from '@nestjs/common';
import {
  ApiBody,
  ApiConsumes,
  ApiHeader,
  ApiOkResponse,
  ApiOperation,
  ApiTags,
} from '@nestjs/swagger';
import { ForCaller, Principal, Scope, type AccessPrincipal } from '@app/common';
import type { FastifyReply } from 'fastify';
import { isMediaType, MERGE_PATCH, personalRepresentation } from '../http/http-headers';
import { CallContext, type RequestContext } from '../http/request-context';
import { ContactDetailsDto } from './contact.dto';
import { CustomerErrors } from './customer.errors';
import { CustomerView, ifNoneMatchHit } from './customer.view';
import { ProfileService, type RenderedProfile } from './profile.service';

/** A read: 304 without a body when the client's copy (If-None-Match) is current. */
function sendRead(
  reply: FastifyReply,
  profile: RenderedProfile,
  ifNoneMatch: string | undefined,
): CustomerView | undefined {
  personalRepresentation(reply, profile.etag);
  if (!ifNoneMatchHit(ifNoneMatch, profile.etag)) return profile.view;
  reply.code(304);
  return undefined;
}

/** `me` routes are declared first so that `me` is never read as a customer id. */
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
    @Headers('if-none-match') ifNoneMatch: string | undefined,
    @Res({ passthrough: true }) reply: FastifyReply,
  ): Promise<CustomerView | undefined> {
    const profile = await this.profiles.get(principal.institutionId, principal.subject);
    return sendRead(reply, profile, ifNoneMatch);
  }

  @Patch('me')
  @ForCaller('customer', Scope.ProfileWrite)
  @ApiOperation({ summary: "Change the signed-in customer's contact details (JSON Merge Patch)" })
  @ApiConsumes(MERGE_PATCH)
  @ApiBody({ type: ContactDetailsDto, description: 'Any subset of the contact fields' })
  @ApiHeader({ name: 'If-Match', required: false, description: 'ETag of the profile read' })
  @ApiOkResponse({ type: CustomerView })
  patchMine(
    @Principal() principal: AccessPrincipal,
    @Body() patch: unknown,
    @Headers('content-type') contentType: string | undefined,
    @Headers('if-match') ifMatch: string | undefined,
    @CallContext() ctx: RequestContext,
    @Res({ passthrough: true }) reply: FastifyReply,
  ): Promise<CustomerView> {
    return this.patch(principal, principal.subject, { patch, contentType, ifMatch }, ctx, reply);
  }

  @Get(':customerId')
  @ForCaller('app', Scope.CustomersRead)
  @ApiOperation({ summary: "A customer's profile" })
  @ApiHeader({ name: 'If-None-Match', required: false, description: '304 when still current' })
  @ApiOkResponse({ type: CustomerView })
  async get(
    @Principal() principal: AccessPrincipal,
    @Param('customerId') customerId: string,
    @Headers('if-none-match') ifNoneMatch: string | undefined,
    @Res({ passthrough: true }) reply: FastifyReply,
  ): Promise<CustomerView | undefined> {
    const profile = await this.profiles.get(principal.institutionId, customerId);
    return sendRead(reply, profile, ifNoneMatch);
  }

  @Patch(':customerId')
  @ForCaller('app', Scope.CustomersWrite)
  @ApiOperation({ summary: "Change a customer's contact details (JSON Merge Patch)" })
  @ApiConsumes(MERGE_PATCH)
  @ApiBody({ type: ContactDetailsDto, description: 'Any subset of the contact fields' })
  @ApiHeader({ name: 'If-Match', required: false, description: 'ETag of the profile read' })
  @ApiOkResponse({ type: CustomerView })
  patchOne(
    @Principal() principal: AccessPrincipal,
    @Param('customerId') customerId: string,
    @Body() patch: unknown,
    @Headers('content-type') contentType: string | undefined,
    @Headers('if-match') ifMatch: string | undefined,
    @CallContext() ctx: RequestContext,
    @Res({ passthrough: true }) reply: FastifyReply,
  ): Promise<CustomerView> {
    return this.patch(principal, customerId, { patch, contentType, ifMatch }, ctx, reply);
  }

  private async patch(
    principal: AccessPrincipal,
    customerId: string,
    request: { patch: unknown; contentType: string | undefined; ifMatch: string | undefined },
    ctx: RequestContext,
    reply: FastifyReply,
  ): Promise<CustomerView> {
    if (!isMediaType(request.contentType, MERGE_PATCH)) throw CustomerErrors.unsupportedPatchType();
    const profile = await this.profiles.update(
      principal.institutionId,
      customerId,
      request.patch,
      request.ifMatch,
      ctx,
    );
    personalRepresentation(reply, profile.etag);
    return profile.view;
  }
}

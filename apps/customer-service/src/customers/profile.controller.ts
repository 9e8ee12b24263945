import { applyDecorators, Body, Controller, Get, Headers, Param, Patch, Res } from '@nestjs/common';
import {
  ApiBody,
  ApiConsumes,
  ApiHeader,
  ApiNotModifiedResponse,
  ApiOkResponse,
  ApiOperation,
  ApiParam,
  ApiTags,
} from '@nestjs/swagger';
import {
  ApiProblem,
  ForCaller,
  Principal,
  Scope,
  requestExamples,
  type AccessPrincipal,
} from '@app/common';
import type { FastifyReply } from 'fastify';
import { isMediaType, MERGE_PATCH, personalRepresentation } from '../http/http-headers';
import { CallContext, type RequestContext } from '../http/request-context';
import { ContactPatchDoc } from './contact.dto';
import { CustomerErrors } from './customer.errors';
import { CustomerView, ifNoneMatchHit } from './customer.view';
import { ProfileService, type RenderedProfile } from './profile.service';

const PATCH_EXAMPLES = requestExamples({
  email: {
    summary: 'A new e-mail address',
    value: { emailAddress: 'ada.w@example.com' },
    status: 200,
  },
  move: {
    summary: 'A move: phone number and postal address',
    description: 'Members left out stay as they are; a member set to null is removed (address2).',
    value: {
      phoneNumber: '+12025550199',
      postalAddress: {
        address1: '200 Oak Avenue',
        city: 'Chicago',
        state: 'IL',
        postalCode: '60601',
        country: 'US',
      },
    },
    status: 200,
  },
});

const CUSTOMER_ID = ApiParam({
  name: 'customerId',
  description: 'The customerId a registration answered',
  schema: { type: 'string', format: 'uuid' },
});

const PATCH_PROBLEMS = applyDecorators(
  ApiProblem(
    400,
    ['MALFORMED_BODY', 'VALIDATION_FAILED', 'CUS_IMMUTABLE_FIELD'],
    'The patch is not an object, a value is invalid, or it names a field other than the contact details.',
  ),
  ApiProblem(412, ['CUS_PRECONDITION_FAILED'], 'If-Match does not match the current ETag.'),
  ApiProblem(413, ['PAYLOAD_TOO_LARGE'], 'The body is over the limit.'),
  ApiProblem(
    415,
    ['CUS_UNSUPPORTED_MEDIA_TYPE', 'UNSUPPORTED_MEDIA_TYPE'],
    'Not application/merge-patch+json (Accept-Patch says so).',
  ),
);

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
  @ApiOperation({
    summary: "The signed-in customer's profile (password-grant token)",
    description:
      "With a customer's own token (the password grant): their profile, never the full SSN. ETag for If-None-Match and If-Match.",
  })
  @ApiHeader({ name: 'If-None-Match', required: false, description: '304 when still current' })
  @ApiOkResponse({ type: CustomerView })
  @ApiNotModifiedResponse({ description: 'The copy named by If-None-Match is current' })
  @ApiProblem(404, ['CUS_CUSTOMER_NOT_FOUND'], 'The customer no longer exists.')
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
  @ApiOperation({
    summary: "Change the signed-in customer's contact details (JSON Merge Patch)",
    description:
      'RFC 7396 merge patch of emailAddress, phoneNumber and postalAddress; any other field is refused (CUS_IMMUTABLE_FIELD). Every change is audited.',
  })
  @ApiConsumes(MERGE_PATCH)
  @ApiBody({
    type: ContactPatchDoc,
    description: 'Any subset of the contact fields',
    examples: PATCH_EXAMPLES,
  })
  @ApiHeader({ name: 'If-Match', required: false, description: 'ETag of the profile read' })
  @ApiOkResponse({ type: CustomerView })
  @ApiProblem(404, ['CUS_CUSTOMER_NOT_FOUND'], 'The customer no longer exists.')
  @PATCH_PROBLEMS
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
  @ApiOperation({
    summary: "A customer's profile",
    description:
      "Any customer of the token's FI (customers:read, the FI's application). ETag for If-None-Match and If-Match.",
  })
  @CUSTOMER_ID
  @ApiHeader({ name: 'If-None-Match', required: false, description: '304 when still current' })
  @ApiOkResponse({ type: CustomerView })
  @ApiNotModifiedResponse({ description: 'The copy named by If-None-Match is current' })
  @ApiProblem(404, ['CUS_CUSTOMER_NOT_FOUND'], "No such customer in the token's FI.")
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
  @ApiOperation({
    summary: "Change a customer's contact details (JSON Merge Patch)",
    description:
      'RFC 7396 merge patch of emailAddress, phoneNumber and postalAddress; any other field is refused (CUS_IMMUTABLE_FIELD). Every change is audited.',
  })
  @CUSTOMER_ID
  @ApiConsumes(MERGE_PATCH)
  @ApiBody({
    type: ContactPatchDoc,
    description: 'Any subset of the contact fields',
    examples: PATCH_EXAMPLES,
  })
  @ApiHeader({ name: 'If-Match', required: false, description: 'ETag of the profile read' })
  @ApiOkResponse({ type: CustomerView })
  @ApiProblem(404, ['CUS_CUSTOMER_NOT_FOUND'], "No such customer in the token's FI.")
  @PATCH_PROBLEMS
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

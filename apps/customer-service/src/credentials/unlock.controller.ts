import { Controller, HttpCode, Param, Post, Res } from '@nestjs/common';
import { ApiOkResponse, ApiOperation, ApiParam, ApiTags } from '@nestjs/swagger';
import { ApiProblem, ForCaller, Principal, Scope, type AccessPrincipal } from '@app/common';
import type { FastifyReply } from 'fastify';
import { CustomerView } from '../customers/customer.view';
import { personalRepresentation } from '../http/http-headers';
import { CallContext, type RequestContext } from '../http/request-context';
import { CredentialsService } from './credentials.service';

@ApiTags('customers')
@Controller('customers/v2/customers')
export class UnlockController {
  constructor(private readonly credentials: CredentialsService) {}

  @Post(':customerId/unlock')
  @HttpCode(200)
  @ForCaller('app', Scope.CustomersWrite)
  @ApiOperation({
    summary: 'Clear the lock set after repeated failed logins',
    description:
      'Resets the failed-login count; the customer can sign in again (an unlocked customer answers as is).',
  })
  @ApiParam({ name: 'customerId', description: 'The customerId a registration answered' })
  @ApiProblem(404, ['CUS_CUSTOMER_NOT_FOUND'], "No such customer in the token's FI.")
  @ApiOkResponse({ type: CustomerView })
  async unlock(
    @Principal() principal: AccessPrincipal,
    @Param('customerId') customerId: string,
    @CallContext() ctx: RequestContext,
    @Res({ passthrough: true }) reply: FastifyReply,
  ): Promise<CustomerView> {
    const profile = await this.credentials.unlock(principal.institutionId, customerId, ctx);
    personalRepresentation(reply, profile.etag);
    return profile.view;
  }
}

import { Controller, HttpCode, Param, Post, Req, Res } from '@nestjs/common';
import { ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { ForCaller, Principal, Scope, type AccessPrincipal } from '@app/common';
import type { Request, Response } from 'express';
import { CustomerView } from '../customers/customer.view';
import { requestContext } from '../http/request-context';
import { CredentialsService } from './credentials.service';

@ApiTags('customers')
@Controller('customers/v2/customers')
export class UnlockController {
  constructor(private readonly credentials: CredentialsService) {}

  @Post(':customerId/unlock')
  @HttpCode(200)
  @ForCaller('app', Scope.CustomersWrite)
  @ApiOperation({ summary: 'Clear the lock set after repeated failed logins' })
  @ApiOkResponse({ type: CustomerView })
  async unlock(
    @Principal() principal: AccessPrincipal,
    @Param('customerId') customerId: string,
    @Req() req: Request,
    @Res({ passthrough: true }) res: Response,
  ): Promise<CustomerView> {
    const profile = await this.credentials.unlock(
      principal.institutionId,
      customerId,
      requestContext(principal, req),
    );
    res.setHeader('ETag', profile.etag);
    res.setHeader('Cache-Control', 'no-store');
    return profile.view;
  }
}

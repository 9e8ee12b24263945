import { Body, Controller, Post, Req, Res, UseGuards } from '@nestjs/common';
import {
  ApiConflictResponse,
  ApiCreatedResponse,
  ApiHeader,
  ApiOperation,
  ApiTags,
  ApiTooManyRequestsResponse,
  ApiUnprocessableEntityResponse,
} from '@nestjs/swagger';
import { ForCaller, Principal, Scope, type AccessPrincipal } from '@app/common';
import type { Request, Response } from 'express';
import { CustomerView } from '../customers/customer.view';
import { requestContext } from '../http/request-context';
import { IdempotencyService } from '../idempotency/idempotency.service';
import { RegistrationThrottleGuard } from '../throttling/registration-throttle.guard';
import { RegistrationDto } from './registration.dto';
import { RegistrationService } from './registration.service';

@ApiTags('registrations')
@Controller('customers/v2/registrations')
export class RegistrationController {
  constructor(private readonly registrations: RegistrationService) {}

  @Post()
  // Listed above ForCaller so it runs after the bearer guards: only real callers are counted.
  @UseGuards(RegistrationThrottleGuard)
  @ForCaller('app', Scope.CustomersWrite)
  @ApiOperation({ summary: 'Register a retail or business customer' })
  @ApiHeader({
    name: 'Idempotency-Key',
    required: false,
    description:
      'Same key and body: the first response again; another body: 422; while the first runs: 409. Kept 24 h.',
  })
  @ApiCreatedResponse({ type: CustomerView, description: 'The profile; Location names it' })
  @ApiConflictResponse({ description: 'CUS_LOGIN_ID_TAKEN, CUS_IDEMPOTENCY_IN_FLIGHT' })
  @ApiUnprocessableEntityResponse({
    description: 'CUS_DISCLOSURE_REQUIRED, CUS_DISCLOSURE_NOT_IN_FORCE, CUS_IDEMPOTENCY_KEY_REUSED',
  })
  @ApiTooManyRequestsResponse({ description: 'CUS_RATE_LIMITED, with Retry-After' })
  async register(
    @Principal() principal: AccessPrincipal,
    @Body() dto: RegistrationDto,
    @Req() req: Request,
    @Res({ passthrough: true }) res: Response,
  ): Promise<unknown> {
    const key = IdempotencyService.parseKey(req.headers['idempotency-key']);
    const result = await this.registrations.register({
      institutionId: principal.institutionId,
      clientId: principal.clientId,
      dto,
      ...(key
        ? { idempotency: { key, method: req.method, path: req.path, body: req.body as unknown } }
        : {}),
      ctx: requestContext(principal, req),
    });
    res.status(result.status);
    for (const [name, value] of Object.entries(result.headers)) res.setHeader(name, value);
    if (result.replayed) res.setHeader('Idempotent-Replayed', 'true');
    res.setHeader('Cache-Control', 'no-store');
    return result.body;
  }
}

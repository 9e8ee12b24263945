import { Body, Controller, Headers, Post, Res, UseGuards } from '@nestjs/common';
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
import type { FastifyReply } from 'fastify';
import { CustomerView } from '../customers/customer.view';
import { CallContext, type RequestContext } from '../http/request-context';
import { IdempotencyService } from '../idempotency/idempotency.service';
import { RegistrationThrottleGuard } from '../throttling/registration-throttle.guard';
import { RegistrationDto } from './registration.dto';
import { RegistrationService } from './registration.service';

const REGISTRATIONS = '/customers/v2/registrations';

@ApiTags('registrations')
@Controller(REGISTRATIONS)
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
    // The body as sent (not validated, so not transformed), for the Idempotency-Key fingerprint.
    @Body() sent: unknown,
    @Headers('idempotency-key') idempotencyKey: string | undefined,
    @CallContext() ctx: RequestContext,
    @Res({ passthrough: true }) reply: FastifyReply,
  ): Promise<unknown> {
    const key = IdempotencyService.parseKey(idempotencyKey);
    const result = await this.registrations.register({
      institutionId: principal.institutionId,
      clientId: principal.clientId,
      dto,
      ...(key ? { idempotency: { key, method: 'POST', path: REGISTRATIONS, body: sent } } : {}),
      ctx,
    });
    reply.code(result.status);
    for (const [name, value] of Object.entries(result.headers)) reply.header(name, value);
    if (result.replayed) reply.header('Idempotent-Replayed', 'true');
    reply.header('Cache-Control', 'no-store');
    return result.body;
  }
}

import { Body, Controller, Headers, Post, Res, UseGuards } from '@nestjs/common';
import { ApiBody, ApiCreatedResponse, ApiHeader, ApiOperation, ApiTags } from '@nestjs/swagger';
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
import { CustomerView } from '../customers/customer.view';
import { CallContext, type RequestContext } from '../http/request-context';
import { IdempotencyService } from '../idempotency/idempotency.service';
import { RegistrationThrottleGuard } from '../throttling/registration-throttle.guard';
import { RegistrationDto } from './registration.dto';
import { RegistrationService } from './registration.service';

const person = {
  firstName: 'Ada',
  lastName: 'Walker',
  birthDate: '1990-04-12',
  ssn: '536-22-4785',
  emailAddress: 'ada.walker@example.com',
  phoneNumber: '(202) 555-0143',
  postalAddress: {
    address1: '100 Main Street',
    city: 'Springfield',
    state: 'IL',
    postalCode: '62701',
    country: 'US',
  },
};

const UNIQUE_LOGIN =
  'loginId must be unique in the FI (ignoring case): this one is new each time the document is loaded, and sending it twice answers 409 CUS_LOGIN_ID_TAKEN.';
const DISCLOSURES =
  'acceptedDisclosures lists the versions in force (GET /customers/v2/disclosures): the sandbox FI starts with none; once a required one is published, it must be listed here (422 CUS_DISCLOSURE_REQUIRED otherwise).';

export const REGISTRATION_EXAMPLES = requestExamples({
  retail: {
    summary: 'A retail customer',
    description: `${UNIQUE_LOGIN} ${DISCLOSURES}`,
    value: {
      loginId: `ada${ExampleValue.unique}`,
      password: 'violet tractor sings at dawn',
      userType: 'RETAIL',
      person,
      acceptedDisclosures: [],
    },
    status: 201,
  },
  business: {
    summary: 'A business customer (institutionCustomerId names the company)',
    description: `${UNIQUE_LOGIN} ${DISCLOSURES}`,
    value: {
      loginId: `acme${ExampleValue.unique}`,
      password: 'copper lantern hums in the rain',
      userType: 'BUSINESS',
      institutionCustomerId: 'acme-corp',
      memberNumber: '000123456',
      person: {
        ...person,
        firstName: 'Grace',
        middleName: 'B',
        lastName: 'Hopper',
        emailAddress: 'grace@acme.example',
      },
      acceptedDisclosures: [],
    },
    status: 201,
  },
});

const REGISTRATIONS = '/customers/v2/registrations';

@ApiTags('registrations')
@Controller(REGISTRATIONS)
export class RegistrationController {
  constructor(private readonly registrations: RegistrationService) {}

  @Post()
  // Listed above ForCaller so it runs after the bearer guards: only real callers are counted.
  @UseGuards(RegistrationThrottleGuard)
  @ForCaller('app', Scope.CustomersWrite)
  @ApiOperation({
    summary: 'Register a retail or business customer',
    description:
      "Online-banking signup with the FI's application token (client credentials, customers:write). " +
      'The customer is active at once when every required disclosure in force is accepted; the answer is the profile, and Location names it. ' +
      'With Idempotency-Key, a retry with the same body answers the first response again.',
  })
  @ApiBody({ type: RegistrationDto, examples: REGISTRATION_EXAMPLES })
  @ApiHeader({
    name: 'Idempotency-Key',
    required: false,
    description:
      'Same key and body: the first response again; another body: 422; while the first runs: 409. Kept 24 h.',
  })
  @ApiCreatedResponse({ type: CustomerView, description: 'The profile; Location names it' })
  @ApiJsonBodyProblems(['VALIDATION_FAILED', 'CUS_IDEMPOTENCY_KEY_INVALID'])
  @ApiProblem(
    409,
    ['CUS_LOGIN_ID_TAKEN', 'CUS_IDEMPOTENCY_IN_FLIGHT'],
    'The loginId is taken, or a request with this Idempotency-Key is still running (Retry-After).',
  )
  @ApiProblem(
    422,
    ['CUS_DISCLOSURE_REQUIRED', 'CUS_DISCLOSURE_NOT_IN_FORCE', 'CUS_IDEMPOTENCY_KEY_REUSED'],
    'A required disclosure is not accepted, an accepted version is not the one in force, or the Idempotency-Key was used with another body.',
  )
  @ApiProblem(429, ['CUS_RATE_LIMITED'], 'Too many registrations (Retry-After).')
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

import {
  applyDecorators,
  Controller,
  Delete,
  Get,
  HttpCode,
  Post,
  Query,
  Req,
  Res,
  UseFilters,
} from '@nestjs/common';
import {
  ApiBasicAuth,
  ApiBody,
  ApiConsumes,
  ApiOkResponse,
  ApiOperation,
  ApiQuery,
  ApiTags,
} from '@nestjs/swagger';
import {
  ApiOAuthError,
  ApiProblem,
  RequireScopes,
  SECURITY,
  Scope,
  requestExamples,
  transactionIdOf,
} from '@app/common';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { AuthErrors } from '../clients/auth.errors';
import { ClientAuthenticator } from './client-authenticator';
import {
  checkForm,
  checkTokenForm,
  readForm,
  TOKEN_FORM,
  TOKEN_PARAM_FORM,
  type FormSchema,
} from './form';
import { IntrospectionDoc, TokenResponseDoc } from './oauth.dto';
import { OAuthError } from './oauth.error';
import { OAuthErrorFilter } from './oauth-error.filter';
import { RevocationsService, type RevocationFeed } from './revocations.service';
import { TokenService, type Introspection, type TokenResponse } from './token.service';

const INSTITUTION_HEADER = 'institutionid';

const FORM = 'application/x-www-form-urlencoded';

/** A form body in OpenAPI: its schema (form.ts) and its examples. */
const formBody = (schema: FormSchema, examples: ReturnType<typeof requestExamples>) =>
  ApiBody({ schema: schema as unknown as Record<string, unknown>, examples });

const TOKEN_EXAMPLES = requestExamples({
  clientCredentials: {
    summary: "The app's token (client credentials), the client's default scopes",
    description: 'Authenticate the client with HTTP Basic (client_secret_basic).',
    value: { grant_type: 'client_credentials' },
    status: 200,
  },
  clientCredentialsScoped: {
    summary: 'Client credentials, narrowed to the activity scopes',
    value: { grant_type: 'client_credentials', scope: 'banking-activities:read account:read' },
    status: 200,
  },
  password: {
    summary: "A customer's token (password grant)",
    description:
      'username and password of a customer registered through POST /customers/v2/registrations (the retail example there uses this password); an unknown login answers 400 invalid_grant.',
    value: {
      grant_type: 'password',
      username: 'ada-your-login',
      password: 'violet tractor sings at dawn',
    },
    status: 200,
  },
  refreshToken: {
    summary: "Refresh a customer's token",
    description:
      'refresh_token: the one a password grant (or the previous refresh) answered; each is used once.',
    value: { grant_type: 'refresh_token', refresh_token: 'the-refresh-token-of-a-password-grant' },
    status: 200,
  },
});

const TOKEN_PARAM_EXAMPLES = requestExamples({
  accessToken: {
    summary: 'An access token',
    description:
      'Put a token of yours: this placeholder is not one, so it reads as inactive (RFC 7662) or has nothing to revoke (RFC 7009).',
    value: { token: 'eyJhbGciOiJFUzI1NiJ9.placeholder.signature', token_type_hint: 'access_token' },
    status: 200,
  },
});

const OAUTH_SERVER_ERRORS = applyDecorators(
  ApiOAuthError(
    401,
    ['invalid_client'],
    'Unknown client or wrong secret (WWW-Authenticate: Basic when Basic was used).',
  ),
  ApiOAuthError(413, ['invalid_request'], 'The form is over 16 KiB (Connection: close).'),
  ApiOAuthError(429, ['temporarily_unavailable'], 'Too many failed authentications (Retry-After).'),
  ApiOAuthError(503, ['temporarily_unavailable'], 'The database cannot be reached (Retry-After).'),
);

function noStore(res: FastifyReply): void {
  void res.headers({ 'Cache-Control': 'no-store', Pragma: 'no-cache' });
}

@ApiTags('oauth2')
@Controller('oauth2/v1')
export class OAuthController {
  constructor(
    private readonly authenticator: ClientAuthenticator,
    private readonly tokens: TokenService,
    private readonly revocations: RevocationsService,
  ) {}

  @Post('token')
  @HttpCode(200)
  @UseFilters(OAuthErrorFilter)
  @ApiOperation({
    summary: 'Token endpoint (RFC 6749): client_credentials, password, refresh_token',
    description:
      'Form-encoded. The client authenticates with HTTP Basic or client_id/client_secret in the form (never both). ' +
      "Access tokens are ES256 JWTs (RFC 9068); the password grant answers a refresh token too. An institutionId header must name the client's FI.",
  })
  @ApiBasicAuth(SECURITY.client)
  @ApiConsumes(FORM)
  @formBody(TOKEN_FORM, TOKEN_EXAMPLES)
  @ApiOkResponse({ type: TokenResponseDoc })
  @ApiOAuthError(
    400,
    [
      'invalid_request',
      'invalid_grant',
      'unauthorized_client',
      'unsupported_grant_type',
      'invalid_scope',
    ],
    'RFC 6749 §5.2.',
  )
  @OAUTH_SERVER_ERRORS
  async token(
    @Req() req: FastifyRequest,
    @Res({ passthrough: true }) res: FastifyReply,
  ): Promise<TokenResponse> {
    noStore(res);
    const params = readForm(req);
    const ipAddress = req.ip;
    const client = await this.authenticator.authenticate(
      req.headers.authorization,
      params,
      ipAddress,
    );
    const institution = req.headers[INSTITUTION_HEADER];
    if (institution !== undefined && institution !== client.institutionId) {
      throw new OAuthError(
        'unauthorized_client',
        'The client does not belong to the institution in the institutionId header.',
      );
    }
    checkTokenForm(params);
    return this.tokens.grant(client, params, {
      ipAddress,
      userAgent: req.headers['user-agent'],
      transactionId: transactionIdOf(req),
    });
  }

  @Post('introspect')
  @HttpCode(200)
  @UseFilters(OAuthErrorFilter)
  @ApiOperation({
    summary: 'Token introspection (RFC 7662); client-authenticated',
    description:
      'Whether a token is active, and its claims. Tokens of another FI, revoked and expired ones read as {active: false}.',
  })
  @ApiBasicAuth(SECURITY.client)
  @ApiConsumes(FORM)
  @formBody(TOKEN_PARAM_FORM, TOKEN_PARAM_EXAMPLES)
  @ApiOkResponse({ type: IntrospectionDoc })
  @ApiOAuthError(400, ['invalid_request'], 'No token, or a malformed form.')
  @OAUTH_SERVER_ERRORS
  async introspect(
    @Req() req: FastifyRequest,
    @Res({ passthrough: true }) res: FastifyReply,
  ): Promise<Introspection> {
    noStore(res);
    const params = readForm(req);
    const client = await this.authenticator.authenticate(req.headers.authorization, params, req.ip);
    checkForm(params, TOKEN_PARAM_FORM);
    return this.revocations.screenIntrospection(await this.tokens.introspect(client, params));
  }

  @Post('revoke')
  @HttpCode(200)
  @UseFilters(OAuthErrorFilter)
  @ApiOperation({
    summary: 'Token revocation (RFC 7009); client-authenticated',
    description:
      'Only the client a token was issued to revokes it; any other token gets the same 200. A refresh token dies at once with its whole chain; an access token is refused by every service within 5 s.',
  })
  @ApiBasicAuth(SECURITY.client)
  @ApiConsumes(FORM)
  @formBody(TOKEN_PARAM_FORM, TOKEN_PARAM_EXAMPLES)
  @ApiOkResponse({ description: 'Revoked, or nothing to revoke', schema: { type: 'object' } })
  @ApiOAuthError(400, ['invalid_request'], 'No token, or a malformed form.')
  @OAUTH_SERVER_ERRORS
  async revoke(
    @Req() req: FastifyRequest,
    @Res({ passthrough: true }) res: FastifyReply,
  ): Promise<Record<string, never>> {
    noStore(res);
    const params = readForm(req);
    const client = await this.authenticator.authenticate(req.headers.authorization, params, req.ip);
    checkForm(params, TOKEN_PARAM_FORM);
    await this.tokens.revoke(client, params);
    return {};
  }

  @Delete('revoke')
  @HttpCode(200)
  @UseFilters(OAuthErrorFilter)
  @ApiOperation({
    summary: 'Token revocation, Candescent style: token in the form body or the query',
    description:
      'As POST /oauth2/v1/revoke, with the parameters in the query string (or a form body).',
  })
  @ApiBasicAuth(SECURITY.client)
  @ApiQuery({
    name: 'token',
    required: false,
    description: 'The token to revoke',
    example: 'eyJhbGciOiJFUzI1NiJ9.placeholder.signature',
  })
  @ApiQuery({ name: 'token_type_hint', required: false, enum: ['access_token', 'refresh_token'] })
  @ApiOkResponse({ description: 'Revoked, or nothing to revoke', schema: { type: 'object' } })
  @ApiOAuthError(400, ['invalid_request'], 'No token, or a malformed form.')
  @OAUTH_SERVER_ERRORS
  async revokeDelete(
    @Req() req: FastifyRequest,
    @Res({ passthrough: true }) res: FastifyReply,
  ): Promise<Record<string, never>> {
    noStore(res);
    const params = readForm(req, { allowQuery: true });
    const client = await this.authenticator.authenticate(req.headers.authorization, params, req.ip);
    checkForm(params, TOKEN_PARAM_FORM);
    await this.tokens.revoke(client, params);
    return {};
  }

  @Get('revocations')
  @RequireScopes(Scope.InternalRevocationsRead)
  @ApiOperation({
    summary:
      'Revoked, unexpired access-token ids and disabled clients, for resource servers to poll',
    description:
      'Opaque token ids (jti) and their expiry, and disabled clients whose tokens issued before `issuedBefore` are revoked; ' +
      '`since` narrows to revocations recorded at or after it. Needs a client_credentials token with ' +
      "`internal:revocations:read` (the platform's own services).",
  })
  @ApiQuery({
    name: 'since',
    required: false,
    description: 'ISO 8601 date-time',
    schema: { type: 'string', format: 'date-time' },
  })
  @ApiOkResponse({
    description: 'Revoked token ids and disabled clients',
    schema: { type: 'object' },
  })
  @ApiProblem(400, ['AUTH_INVALID_SINCE'], 'since is not a date-time.')
  async revocationFeed(@Query('since') since?: string): Promise<RevocationFeed> {
    if (since !== undefined && (typeof since !== 'string' || Number.isNaN(Date.parse(since))))
      throw AuthErrors.invalidSince();
    return this.revocations.feed(since ? new Date(since) : undefined);
  }
}

import {
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
  ApiResponse,
  ApiTags,
} from '@nestjs/swagger';
import { RequireScopes, Scope, transactionIdOf } from '@app/common';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { AuthErrors } from '../clients/auth.errors';
import { ClientAuthenticator } from './client-authenticator';
import { readForm } from './form';
import {
  IntrospectionDoc,
  OAuthErrorDoc,
  TokenParamDoc,
  TokenRequestDoc,
  TokenResponseDoc,
} from './oauth.dto';
import { OAuthError } from './oauth.error';
import { OAuthErrorFilter } from './oauth-error.filter';
import { RevocationsService, type RevocationFeed } from './revocations.service';
import { TokenService, type Introspection, type TokenResponse } from './token.service';

const INSTITUTION_HEADER = 'institutionid';

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
  })
  @ApiBasicAuth('client')
  @ApiConsumes('application/x-www-form-urlencoded')
  @ApiBody({ type: TokenRequestDoc })
  @ApiOkResponse({ type: TokenResponseDoc })
  @ApiResponse({ status: 400, type: OAuthErrorDoc, description: 'RFC 6749 §5.2 error' })
  @ApiResponse({ status: 401, type: OAuthErrorDoc, description: 'invalid_client' })
  @ApiResponse({
    status: 429,
    type: OAuthErrorDoc,
    description: 'Too many failed client authentications (Retry-After)',
  })
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
    return this.tokens.grant(client, params, {
      ipAddress,
      userAgent: req.headers['user-agent'],
      transactionId: transactionIdOf(req),
    });
  }

  @Post('introspect')
  @HttpCode(200)
  @UseFilters(OAuthErrorFilter)
  @ApiOperation({ summary: 'Token introspection (RFC 7662); client-authenticated' })
  @ApiBasicAuth('client')
  @ApiConsumes('application/x-www-form-urlencoded')
  @ApiBody({ type: TokenParamDoc })
  @ApiOkResponse({ type: IntrospectionDoc })
  async introspect(
    @Req() req: FastifyRequest,
    @Res({ passthrough: true }) res: FastifyReply,
  ): Promise<Introspection> {
    noStore(res);
    const params = readForm(req);
    const client = await this.authenticator.authenticate(req.headers.authorization, params, req.ip);
    return this.revocations.screenIntrospection(await this.tokens.introspect(client, params));
  }

  @Post('revoke')
  @HttpCode(200)
  @UseFilters(OAuthErrorFilter)
  @ApiOperation({ summary: 'Token revocation (RFC 7009); client-authenticated' })
  @ApiBasicAuth('client')
  @ApiConsumes('application/x-www-form-urlencoded')
  @ApiBody({ type: TokenParamDoc })
  @ApiOkResponse({ description: 'Revoked, or nothing to revoke' })
  async revoke(
    @Req() req: FastifyRequest,
    @Res({ passthrough: true }) res: FastifyReply,
  ): Promise<Record<string, never>> {
    noStore(res);
    const params = readForm(req);
    const client = await this.authenticator.authenticate(req.headers.authorization, params, req.ip);
    await this.tokens.revoke(client, params);
    return {};
  }

  @Delete('revoke')
  @HttpCode(200)
  @UseFilters(OAuthErrorFilter)
  @ApiOperation({
    summary: 'Token revocation, Candescent style: token in the form body or the query',
  })
  @ApiBasicAuth('client')
  @ApiQuery({ name: 'token', required: false })
  @ApiQuery({ name: 'token_type_hint', required: false })
  @ApiOkResponse({ description: 'Revoked, or nothing to revoke' })
  async revokeDelete(
    @Req() req: FastifyRequest,
    @Res({ passthrough: true }) res: FastifyReply,
  ): Promise<Record<string, never>> {
    noStore(res);
    const params = readForm(req, { allowQuery: true });
    const client = await this.authenticator.authenticate(req.headers.authorization, params, req.ip);
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
  @ApiQuery({ name: 'since', required: false, description: 'ISO 8601 date-time' })
  async revocationFeed(@Query('since') since?: string): Promise<RevocationFeed> {
    if (since !== undefined && (typeof since !== 'string' || Number.isNaN(Date.parse(since))))
      throw AuthErrors.invalidSince();
    return this.revocations.feed(since ? new Date(since) : undefined);
  }
}

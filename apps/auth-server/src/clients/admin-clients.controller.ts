import { Body, Controller, Get, HttpCode, Param, Post, Query, Res } from '@nestjs/common';
import { ApiCreatedResponse, ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { Principal, RequireScopes, Scope, type AccessPrincipal } from '@app/common';
import type { FastifyReply } from 'fastify';
import { RefreshTokensService } from '../tokens/refresh-tokens.service';
import {
  CreateClientDto,
  ClientListView,
  ClientView,
  ClientWithSecretView,
  ListClientsQuery,
} from './client.dto';
import { checkNewClient, scopeInstitution } from './client-policy';
import { ClientsService } from './clients.service';

@ApiTags('admin')
@Controller('admin/v1/clients')
@RequireScopes(Scope.ClientsAdmin)
export class AdminClientsController {
  constructor(
    private readonly clients: ClientsService,
    private readonly refreshTokens: RefreshTokensService,
  ) {}

  @Post()
  @ApiOperation({ summary: 'Register a client; its secret is returned once' })
  @ApiCreatedResponse({ type: ClientWithSecretView })
  async create(
    @Principal() admin: AccessPrincipal,
    @Body() dto: CreateClientDto,
    @Res({ passthrough: true }) res: FastifyReply,
  ): Promise<ClientWithSecretView> {
    checkNewClient(admin, dto);
    const { client, clientSecret } = await this.clients.create(dto);
    void res.headers({
      Location: `/admin/v1/clients/${client.clientId}`,
      'Cache-Control': 'no-store',
    });
    return { ...ClientView.of(client), clientSecret };
  }

  @Get()
  @ApiOperation({ summary: 'List clients (an FI admin sees its own FI only)' })
  @ApiOkResponse({ type: ClientListView })
  async list(
    @Principal() admin: AccessPrincipal,
    @Query() query: ListClientsQuery,
  ): Promise<ClientListView> {
    const limit = query.limit ?? 100;
    const clients = await this.clients.list({
      institutionId: scopeInstitution(admin, query.institutionId),
      after: query.after,
      limit,
    });
    return {
      clients: clients.map(ClientView.of),
      next: clients.length === limit ? clients[clients.length - 1]!.clientId : null,
    };
  }

  @Get(':clientId')
  @ApiOperation({ summary: 'One client' })
  @ApiOkResponse({ type: ClientView })
  async get(
    @Principal() admin: AccessPrincipal,
    @Param('clientId') clientId: string,
  ): Promise<ClientView> {
    return ClientView.of(await this.clients.get(clientId, scopeInstitution(admin, undefined)));
  }

  @Post(':clientId/secret')
  @HttpCode(200)
  @ApiOperation({
    summary: 'Rotate the secret; the old one stops working, the new one is returned once',
  })
  @ApiOkResponse({ type: ClientWithSecretView })
  async rotate(
    @Principal() admin: AccessPrincipal,
    @Param('clientId') clientId: string,
    @Res({ passthrough: true }) res: FastifyReply,
  ): Promise<ClientWithSecretView> {
    const { client, clientSecret } = await this.clients.rotateSecret(
      clientId,
      scopeInstitution(admin, undefined),
    );
    void res.header('Cache-Control', 'no-store');
    return { ...ClientView.of(client), clientSecret };
  }

  @Post(':clientId/disable')
  @HttpCode(200)
  @ApiOperation({
    summary:
      'Disable a client: no new tokens; its refresh tokens die at once, its access tokens are refused everywhere within 5 s',
  })
  @ApiOkResponse({ type: ClientView })
  async disable(
    @Principal() admin: AccessPrincipal,
    @Param('clientId') clientId: string,
  ): Promise<ClientView> {
    const client = await this.clients.disable(clientId, scopeInstitution(admin, undefined));
    await this.refreshTokens.revokeForClient(client);
    return ClientView.of(client);
  }
}

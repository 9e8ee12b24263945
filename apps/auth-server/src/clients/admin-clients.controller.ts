import { Body, Controller, Get, HttpCode, Param, Post, Query, Res } from '@nestjs/common';
import {
  ApiBody,
  ApiCreatedResponse,
  ApiOkResponse,
  ApiOperation,
  ApiParam,
  ApiTags,
} from '@nestjs/swagger';
import {
  ApiJsonBodyProblems,
  ApiProblem,
  Principal,
  RequireScopes,
  Scope,
  requestExamples,
  type AccessPrincipal,
} from '@app/common';
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

const CREATE_EXAMPLES = requestExamples({
  partnerApp: {
    summary: "A partner's server-side app that reads the sandbox FI's activity",
    description:
      'Needs a clients:admin token (the platform admin client, or an FI admin for its own FI). The client id is generated; the secret is shown once.',
    value: {
      institutionId: 'sandbox-fi',
      name: 'Activity reporting app',
      scopes: ['banking-activities:read', 'account:read'],
      grantTypes: ['client_credentials'],
    },
    status: 201,
  },
  mobileApp: {
    summary: "The FI's mobile app (password grant for its customers)",
    value: {
      institutionId: 'sandbox-fi',
      name: 'Mobile banking app',
      scopes: [
        'profile:read',
        'profile:write',
        'disclosures:read',
        'banking-activities:read',
        'account:read',
      ],
      grantTypes: ['password', 'refresh_token'],
    },
    status: 201,
  },
});

const CLIENT_ID = ApiParam({
  name: 'clientId',
  description: 'A clientId the create operation answered',
});
const NOT_FOUND = ApiProblem(404, ['AUTH_CLIENT_NOT_FOUND'], 'No such client (for this admin).');

@ApiTags('admin')
@Controller('admin/v1/clients')
@RequireScopes(Scope.ClientsAdmin)
export class AdminClientsController {
  constructor(
    private readonly clients: ClientsService,
    private readonly refreshTokens: RefreshTokensService,
  ) {}

  @Post()
  @ApiOperation({
    summary: 'Register a client; its secret is returned once',
    description: 'Only a keyed hash of the secret is kept. Location names the client.',
  })
  @ApiBody({ type: CreateClientDto, examples: CREATE_EXAMPLES })
  @ApiCreatedResponse({ type: ClientWithSecretView })
  @ApiJsonBodyProblems(['VALIDATION_FAILED', 'AUTH_INVALID_CLIENT_REQUEST'])
  @ApiProblem(403, ['AUTH_INSTITUTION_FORBIDDEN'], 'An FI admin named another institution.')
  @ApiProblem(409, ['AUTH_CLIENT_ID_TAKEN'], 'The client id exists.')
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
  @ApiOperation({
    summary: 'List clients (an FI admin sees its own FI only)',
    description: 'Keyset-paged by clientId: pass `next` as `after`.',
  })
  @ApiOkResponse({ type: ClientListView })
  @ApiProblem(400, ['VALIDATION_FAILED'], 'A query parameter is invalid.')
  @ApiProblem(403, ['AUTH_INSTITUTION_FORBIDDEN'], 'An FI admin named another institution.')
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
  @ApiOperation({ summary: 'One client', description: 'Never its secret.' })
  @CLIENT_ID
  @ApiOkResponse({ type: ClientView })
  @NOT_FOUND
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
    description:
      'The new secret is shown once; tokens already issued stay valid until they expire.',
  })
  @CLIENT_ID
  @ApiOkResponse({ type: ClientWithSecretView })
  @NOT_FOUND
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
    description: 'Cannot be undone; register a new client instead.',
  })
  @CLIENT_ID
  @ApiOkResponse({ type: ClientView })
  @NOT_FOUND
  async disable(
    @Principal() admin: AccessPrincipal,
    @Param('clientId') clientId: string,
  ): Promise<ClientView> {
    const client = await this.clients.disable(clientId, scopeInstitution(admin, undefined));
    await this.refreshTokens.revokeForClient(client);
    return ClientView.of(client);
  }
}

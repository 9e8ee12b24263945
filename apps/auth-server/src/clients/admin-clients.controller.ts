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
import type { TokenResponse } from '../tokens/token.service';
import {
  CreateClientDto,
  ClientListView,
  ClientTokenRequestDto,
  ClientTokenView,
  ClientView,
  ClientWithSecretView,
  ListClientsQuery,
  RotateSecretDto,
} from './client.dto';
import { checkNewClient, grantableScopes, scopeInstitution } from './client-policy';
import { ClientTokensService } from './client-tokens.service';
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

const ROTATE_EXAMPLES = requestExamples({
  overlap: {
    summary: 'Roll the secret without downtime: the old one keeps working for a day',
    value: { previousSecretExpiresIn: 86_400 },
    status: 200,
  },
  immediate: {
    summary: 'The old secret stops at once (the default; an empty body does the same)',
    value: { previousSecretExpiresIn: 0 },
    status: 200,
  },
});

const TOKEN_EXAMPLES = requestExamples({
  defaults: {
    summary: "A 5-minute token with the client's default scopes",
    value: {},
    status: 200,
  },
  scoped: {
    summary: 'A 2-minute token for the activity search',
    value: { scopes: ['banking-activities:read', 'account:read'], expiresIn: 120 },
    status: 200,
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
    private readonly clientTokens: ClientTokensService,
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
      clients: clients.map((c) => ClientView.of(c)),
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
    summary:
      'Rotate the secret; the new one is returned once, the old one works for previousSecretExpiresIn seconds more',
    description:
      'Body optional: `previousSecretExpiresIn` (integer seconds, 0 to 604800 = 7 days, default 0) keeps the current ' +
      'secret working beside the new one until `previousSecretExpiresAt`, so an app can roll its secret without downtime; ' +
      '0 stops it at once. Only one previous secret is kept: rotating again during an overlap makes the current secret ' +
      'the previous one (with the new overlap) and the older one stops at once. Only keyed hashes are stored. ' +
      'Tokens already issued stay valid until they expire. ' +
      'Replicas: each auth-server instance reuses a client record for up to CLIENT_CACHE_TTL_MS (5 s). The new secret ' +
      'works on every instance at once (a refused secret makes an instance read the client again), and a previous ' +
      "secret's expiry is checked on every request, so it never works past previousSecretExpiresAt; but an instance " +
      'that read the client before this rotation may go on accepting the secret replaced by it (or, after a second ' +
      'rotation, the one before) for up to CLIENT_CACHE_TTL_MS after this call.',
  })
  @CLIENT_ID
  @ApiBody({ type: RotateSecretDto, required: false, examples: ROTATE_EXAMPLES })
  @ApiOkResponse({ type: ClientWithSecretView })
  @ApiJsonBodyProblems(['VALIDATION_FAILED'])
  @NOT_FOUND
  @ApiProblem(409, ['AUTH_CONCURRENT_ROTATION'], 'Other rotations kept changing the secret; retry.')
  async rotate(
    @Principal() admin: AccessPrincipal,
    @Param('clientId') clientId: string,
    @Body() dto: RotateSecretDto,
    @Res({ passthrough: true }) res: FastifyReply,
  ): Promise<ClientWithSecretView> {
    const { client, clientSecret } = await this.clients.rotateSecret(
      clientId,
      scopeInstitution(admin, undefined),
      dto?.previousSecretExpiresIn ?? 0,
    );
    void res.header('Cache-Control', 'no-store');
    return { ...ClientView.of(client), clientSecret };
  }

  @Post(':clientId/tokens')
  @HttpCode(200)
  @ApiOperation({
    summary: "A short-lived access token for one of the admin's clients (the portal's try-it)",
    description:
      'A real access token of that client, issued and signed exactly as the token endpoint issues a ' +
      'client_credentials token (`sub` and `client_id` the client, its `institution_id`), without its secret. ' +
      'Body optional: `scopes` (each one the client holds; default its default scopes) and `expiresIn` (60 to 900 s, ' +
      'default 300, never above ACCESS_TOKEN_TTL_SECONDS). A platform admin may mint for any FI, an FI admin for its ' +
      'own; internal scopes are never minted here (nor clients:admin by an FI admin). The client must be active and ' +
      'allowed the client_credentials grant. Counted in auth_tokens_issued_total as grant_type="admin_try_it"; it does ' +
      "not change the client's lastUsedAt. Disabling the client revokes these tokens like its others.",
  })
  @CLIENT_ID
  @ApiBody({ type: ClientTokenRequestDto, required: false, examples: TOKEN_EXAMPLES })
  @ApiOkResponse({ type: ClientTokenView, description: 'Cache-Control: no-store' })
  @ApiJsonBodyProblems(['VALIDATION_FAILED', 'AUTH_INVALID_TOKEN_REQUEST'])
  @NOT_FOUND
  @ApiProblem(
    409,
    ['AUTH_CLIENT_DISABLED', 'AUTH_CLIENT_GRANT_NOT_ALLOWED'],
    'The client is disabled, or may not use the client_credentials grant.',
  )
  async mintToken(
    @Principal() admin: AccessPrincipal,
    @Param('clientId') clientId: string,
    @Body() dto: ClientTokenRequestDto,
    @Res({ passthrough: true }) res: FastifyReply,
  ): Promise<TokenResponse> {
    void res.headers({ 'Cache-Control': 'no-store', Pragma: 'no-cache' });
    return this.clientTokens.mint({
      clientId,
      institutionId: scopeInstitution(admin, undefined),
      grantable: grantableScopes(admin),
      adminClientId: admin.clientId,
      ...(dto?.scopes !== undefined ? { scopes: dto.scopes } : {}),
      ...(dto?.expiresIn !== undefined ? { expiresIn: dto.expiresIn } : {}),
    });
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

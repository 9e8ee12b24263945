import { Controller, Get, Header, Logger, Param, Query, Req, Res } from '@nestjs/common';
import {
  ApiOkResponse,
  ApiOperation,
  ApiParam,
  ApiProduces,
  ApiQuery,
  ApiTags,
} from '@nestjs/swagger';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { ForCaller, Principal, Scope, type AccessPrincipal } from '@app/common';
import { ACTIVITY_ROUTE } from '../../common/body-parsing';
import { sendFile } from './files.presenter';
import { DeliveryFilesService, type FileListing } from './files.service';
import type { DeliveryJwk } from './manifest-signer.service';

@ApiTags('banking-activities delivery')
@Controller(ACTIVITY_ROUTE)
export class DeliveryFilesController {
  private readonly logger = new Logger(DeliveryFilesController.name);

  constructor(private readonly files: DeliveryFilesService) {}

  @Get('subscriptions/:subscriptionId/files')
  @ForCaller(
    'app',
    Scope.BankingActivitiesRead,
    Scope.AccountRead,
    Scope.BankingActivitiesDeliveries,
  )
  @ApiOperation({
    summary: "A subscription's hourly and daily files (their signed manifests)",
    description:
      'Every file of the look-back window, newest window first, whatever the destination (pull, SFTP or webhook). Each manifest: subscriptionId, sequence, window, fileId, fileName, format, count, sha256, bytes, kid and an Ed25519 signature (see /delivery-keys).',
  })
  @ApiParam({ name: 'subscriptionId', format: 'uuid' })
  @ApiQuery({
    name: 'pageSize',
    required: false,
    schema: { type: 'integer', minimum: 1, maximum: 500 },
  })
  @ApiQuery({ name: 'pageToken', required: false, schema: { type: 'string' } })
  @ApiOkResponse({ description: '{files: [manifest], nextPageToken}' })
  list(
    @Principal() principal: AccessPrincipal,
    @Param('subscriptionId') subscriptionId: string,
    @Query('pageSize') pageSize?: string,
    @Query('pageToken') pageToken?: string,
  ): Promise<FileListing> {
    return this.files.list(principal.institutionId, subscriptionId, { pageSize, pageToken });
  }

  @Get('subscriptions/:subscriptionId/files/:fileId')
  @ForCaller(
    'app',
    Scope.BankingActivitiesRead,
    Scope.AccountRead,
    Scope.BankingActivitiesDeliveries,
  )
  @ApiOperation({ summary: 'One file, as stored (gzip NDJSON or CSV)' })
  @ApiParam({ name: 'subscriptionId', format: 'uuid' })
  @ApiParam({ name: 'fileId', format: 'uuid' })
  @ApiProduces('application/gzip')
  @ApiOkResponse({ description: 'The file; Repr-Digest carries its SHA-256' })
  async download(
    @Principal() principal: AccessPrincipal,
    @Param('subscriptionId') subscriptionId: string,
    @Param('fileId') fileId: string,
    @Req() req: FastifyRequest,
    @Res() res: FastifyReply,
  ): Promise<void> {
    const file = await this.files.open(principal.institutionId, subscriptionId, fileId);
    await sendFile(file, req, res, this.logger);
  }

  @Get('delivery-files/:fileId')
  @ApiOperation({
    summary: 'A file through the signed link of a webhook file delivery (no bearer token)',
    description:
      'The link (file.url of a banking-activities.file delivery) works until file.expiresAt.',
  })
  @ApiParam({ name: 'fileId', format: 'uuid' })
  @ApiQuery({ name: 'token', required: true, schema: { type: 'string' } })
  @ApiProduces('application/gzip')
  @ApiOkResponse({ description: 'The file' })
  async linked(
    @Param('fileId') fileId: string,
    @Query('token') token: string | undefined,
    @Req() req: FastifyRequest,
    @Res() res: FastifyReply,
  ): Promise<void> {
    const file = await this.files.openLinked(fileId, token);
    await sendFile(file, req, res, this.logger);
  }

  @Get('delivery-keys')
  @Header('Cache-Control', 'public, max-age=300')
  @ApiOperation({
    summary: 'The public keys that sign delivery manifests (JWKS, OKP/Ed25519)',
  })
  @ApiOkResponse({ description: '{keys: [{kty, crv, x, kid, alg, use}]}' })
  keys(): Promise<{ keys: DeliveryJwk[] }> {
    return this.files.jwks();
  }
}

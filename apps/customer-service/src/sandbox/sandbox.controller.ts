import { Controller, Delete, HttpCode, Param, Post, Res } from '@nestjs/common';
import { ApiExcludeController } from '@nestjs/swagger';
import { ForCaller, SandboxInstitutionParam, Scope } from '@app/common';
import type { FastifyReply } from 'fastify';
import { CallContext, type RequestContext } from '../http/request-context';
import { SandboxService, type SandboxSeedSummary } from './sandbox.service';

/**
 * The developer portal seeds and wipes its sandbox FIs here (docs/internal-apis.md, "Sandbox
 * FIs"); platform tokens with internal:sandbox:admin only, never routed by the gateway.
 */
@ApiExcludeController()
@Controller('internal/v1/sandbox/institutions/:institutionId')
export class SandboxController {
  constructor(private readonly sandbox: SandboxService) {}

  @Post('seed')
  @ForCaller('platform', Scope.InternalSandboxAdmin)
  async seed(
    @Param() { institutionId }: SandboxInstitutionParam,
    @CallContext() ctx: RequestContext,
    @Res({ passthrough: true }) reply: FastifyReply,
  ): Promise<SandboxSeedSummary> {
    const { summary, created } = await this.sandbox.seed(institutionId, ctx);
    reply.code(created ? 201 : 200);
    reply.header('Cache-Control', 'no-store');
    return summary;
  }

  @Delete()
  @HttpCode(204)
  @ForCaller('platform', Scope.InternalSandboxAdmin)
  async wipe(@Param() { institutionId }: SandboxInstitutionParam): Promise<void> {
    await this.sandbox.wipe(institutionId);
  }
}

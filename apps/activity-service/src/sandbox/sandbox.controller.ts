import { Body, Controller, Delete, HttpCode, Param, Post, Res } from '@nestjs/common';
import { ApiExcludeController } from '@nestjs/swagger';
import { ForCaller, SandboxInstitutionParam, Scope } from '@app/common';
import type { FastifyReply } from 'fastify';
import { SandboxService, type ActivitySeedSummary } from './sandbox.service';

/**
 * The developer portal seeds and wipes its sandbox FIs' activity here (docs/internal-apis.md,
 * "Sandbox FIs"); platform tokens with internal:sandbox:admin only, never routed by the gateway.
 */
@ApiExcludeController()
@Controller('internal/v1/sandbox/institutions/:institutionId')
export class SandboxController {
  constructor(private readonly sandbox: SandboxService) {}

  @Post('seed')
  @ForCaller('platform', Scope.InternalSandboxAdmin)
  async seed(
    @Param() { institutionId }: SandboxInstitutionParam,
    @Body() body: unknown,
    @Res({ passthrough: true }) reply: FastifyReply,
  ): Promise<ActivitySeedSummary> {
    const { summary, created } = await this.sandbox.seed(institutionId, body);
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

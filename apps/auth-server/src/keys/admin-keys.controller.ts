import { Controller, HttpCode, Post } from '@nestjs/common';
import {
  ApiOkResponse,
  ApiOperation,
  ApiProperty,
  ApiPropertyOptional,
  ApiTags,
} from '@nestjs/swagger';
import { ApiProblem, Principal, RequireScopes, Scope, type AccessPrincipal } from '@app/common';
import { AuthErrors } from '../clients/auth.errors';
import { isPlatformAdmin } from '../clients/client-policy';
import { SigningKeysService } from './signing-keys.service';

class RotationView {
  @ApiProperty() kid!: string;
  @ApiPropertyOptional({ nullable: true, type: String }) previousKid!: string | null;
  @ApiPropertyOptional({
    nullable: true,
    type: String,
    description: 'Until then the previous key stays in the JWKS',
  })
  previousKeyPublishedUntil!: string | null;
}

@ApiTags('admin')
@Controller('admin/v1/keys')
@RequireScopes(Scope.ClientsAdmin)
export class AdminKeysController {
  constructor(private readonly keys: SigningKeysService) {}

  @Post('rotate')
  @HttpCode(200)
  @ApiOperation({
    summary: 'Start signing with a new key (platform admin only)',
    description: 'The previous key stays in the JWKS until its last token expires.',
  })
  @ApiProblem(403, ['AUTH_PLATFORM_ADMIN_REQUIRED'], 'Only the platform admin client may.')
  @ApiOkResponse({ type: RotationView })
  async rotate(@Principal() admin: AccessPrincipal): Promise<RotationView> {
    if (!isPlatformAdmin(admin)) throw AuthErrors.platformOnly();
    const r = await this.keys.rotate();
    return {
      kid: r.kid,
      previousKid: r.previousKid,
      previousKeyPublishedUntil: r.previousPublishUntil?.toISOString() ?? null,
    };
  }
}

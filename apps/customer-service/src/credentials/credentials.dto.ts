import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { IsOptional, IsString, MaxLength } from 'class-validator';
import type { CredentialCheck } from '@app/common';

/**
 * The auth-server's question (docs/internal-apis.md). Limits are generous on purpose: a
 * malformed loginId or an over-long password is an ordinary "invalid", never a 400 that the
 * auth-server would turn into 503 (or that would answer faster than a real check).
 */
export class VerifyCredentialsDto implements CredentialCheck {
  @ApiProperty() @IsString() @MaxLength(64) institutionId!: string;
  @ApiProperty() @IsString() @MaxLength(1024) loginId!: string;
  @ApiProperty({ format: 'password' }) @IsString() @MaxLength(16_384) password!: string;
  @ApiProperty() @IsString() @MaxLength(128) clientId!: string;
  @ApiProperty() @IsString() @MaxLength(128) ipAddress!: string;
  @ApiPropertyOptional() @IsOptional() @IsString() @MaxLength(4096) userAgent?: string;
}

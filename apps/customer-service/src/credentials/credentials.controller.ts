import { Body, Controller, HttpCode, Post } from '@nestjs/common';
import { ApiExcludeController } from '@nestjs/swagger';
import { ForCaller, Scope, type CredentialVerdict } from '@app/common';
import { TransactionId } from '../http/request-context';
import { VerifyCredentialsDto } from './credentials.dto';
import { CredentialsService } from './credentials.service';

/** The auth-server's password grant asks here (docs/internal-apis.md); not for the gateway. */
@ApiExcludeController()
@Controller('internal/v1/credentials')
export class CredentialsController {
  constructor(private readonly credentials: CredentialsService) {}

  @Post('verify')
  @HttpCode(200)
  @ForCaller('platform', Scope.InternalCredentialsVerify)
  verify(
    @Body() check: VerifyCredentialsDto,
    // The auth-server's transactionId header, when it sends one, ties the audit to its request.
    @TransactionId() transactionId: string | undefined,
  ): Promise<CredentialVerdict> {
    return this.credentials.verify(check, transactionId);
  }
}

import { Injectable, Logger } from '@nestjs/common';
import { Scope } from '@app/common';
import { AuthEnv } from '../config/auth.env';
import { AccessTokenIssuer } from '../tokens/access-token.issuer';
import type {
  CredentialCheck,
  CredentialVerdict,
  CustomerCredentialsPort,
} from './customer-credentials.port';

/** Asks customer-service over HTTP, with a short-lived token carrying an internal scope. */
@Injectable()
export class HttpCustomerCredentialsAdapter implements CustomerCredentialsPort {
  private readonly logger = new Logger('CustomerCredentials');

  constructor(
    private readonly env: AuthEnv,
    private readonly issuer: AccessTokenIssuer,
  ) {}

  async verify(check: CredentialCheck, transactionId?: string): Promise<CredentialVerdict> {
    const url = `${this.env.CUSTOMER_SERVICE_URL.replace(/\/$/, '')}/internal/v1/credentials/verify`;
    try {
      const res = await fetch(url, {
        method: 'POST',
        headers: {
          'content-type': 'application/json',
          ...(transactionId ? { transactionId } : {}),
          authorization: `Bearer ${await this.issuer.internalToken(Scope.InternalCredentialsVerify)}`,
        },
        body: JSON.stringify(check),
        signal: AbortSignal.timeout(5_000),
      });
      if (res.status !== 200) throw new Error(`customer-service answered ${res.status}`);
      const body = (await res.json()) as CredentialVerdict;
      if (!['ok', 'invalid', 'locked'].includes(body.result)) throw new Error('unexpected verdict');
      return body;
    } catch (err) {
      this.logger.error({ err: (err as Error).message }, 'credential check failed');
      return { result: 'unavailable' };
    }
  }
}

import { Injectable, Optional } from '@nestjs/common';
import { Metrics, metricsOrOwn } from '@app/common';

/** Token endpoint figures for /metrics: tokens issued by grant, failed authentications by reason. */
@Injectable()
export class AuthMetrics {
  private readonly issuedTokens;
  private readonly failures;

  constructor(@Optional() metrics?: Metrics) {
    const m = metricsOrOwn(metrics);
    this.issuedTokens = m.counter({
      name: 'auth_tokens_issued_total',
      help: 'Access tokens issued by the token endpoint, by grant type',
      labelNames: ['grant_type'],
    });
    this.failures = m.counter({
      name: 'auth_failed_authentications_total',
      help: 'Failed client or customer authentications at the token endpoint, by reason',
      labelNames: ['reason'],
    });
  }

  issued(grantType: string): void {
    this.issuedTokens.inc({ grant_type: grantType });
  }

  /** `reason`: a short fixed phrase ("wrong secret", "password invalid"), never caller input. */
  failed(reason: string): void {
    this.failures.inc({ reason: reason.replace(/\W+/g, '_') });
  }
}

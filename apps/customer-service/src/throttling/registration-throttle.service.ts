import { Injectable } from '@nestjs/common';
import { CustomerErrors } from '../customers/customer.errors';
import { RegistrationLimitsRepository } from './registration-limits.repository';

/** Registrations per client and per client address: 429 `CUS_RATE_LIMITED` with Retry-After. */
@Injectable()
export class RegistrationThrottle {
  constructor(private readonly limits: RegistrationLimitsRepository) {}

  async check(clientId: string, ipAddress: string | undefined): Promise<void> {
    const wait = await this.limits.hit(clientId, ipAddress ?? 'unknown');
    if (wait > 0) throw CustomerErrors.rateLimited(wait);
  }
}

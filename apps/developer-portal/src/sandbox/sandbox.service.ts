import { Injectable, Logger } from '@nestjs/common';
import { DomainError } from '@app/common';
import { OrganizationRepository } from '../organizations/organization.repository';
import {
  PlatformCallError,
  PlatformClient,
  type CustomerSeedSummary,
} from '../platform/platform-client';

export const SandboxErrors = {
  failed: (detail: string) =>
    new DomainError(
      'PORTAL_SANDBOX_RESET_FAILED',
      'unavailable',
      `The reset stopped: ${detail} Try again: a reset always starts from the beginning.`,
    ),
  busy: () =>
    new DomainError(
      'PORTAL_SANDBOX_BUSY',
      'conflict',
      'Your sandbox is being reset right now. Wait a moment and reload.',
    ),
};

/**
 * Resets an organization's sandbox FI: wipes its customers (customer-service first, so its
 * outbox sends nothing more) and its activity, then seeds both again (docs/internal-apis.md).
 */
@Injectable()
export class SandboxService {
  private readonly logger = new Logger(SandboxService.name);

  constructor(
    private readonly platform: PlatformClient,
    private readonly organizations: OrganizationRepository,
  ) {}

  async reset(organizationId: string, institutionId: string): Promise<CustomerSeedSummary> {
    const result = await this.organizations.exclusive(`reset:${organizationId}`, async () => {
      try {
        await this.platform.wipeCustomers(institutionId);
        await this.platform.wipeActivity(institutionId);
        const customers = await this.platform.seedCustomers(institutionId);
        await this.platform.seedActivity(institutionId);
        return customers;
      } catch (err) {
        const detail =
          err instanceof PlatformCallError
            ? err.status === 0
              ? 'a platform service could not be reached.'
              : `a platform service answered ${err.status}${err.code ? ` (${err.code})` : ''}.`
            : 'an unexpected error happened.';
        this.logger.warn({ organizationId, error: detail }, 'sandbox reset failed');
        throw SandboxErrors.failed(detail);
      }
    });
    if (result === 'busy') throw SandboxErrors.busy();
    return result;
  }
}

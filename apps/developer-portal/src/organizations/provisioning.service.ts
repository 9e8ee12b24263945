import { randomBytes, randomUUID } from 'node:crypto';
import { Injectable, Logger } from '@nestjs/common';
import { DomainError, FI_SCOPES, SANDBOX_INSTITUTION_PREFIX } from '@app/common';
import { DeveloperRepository } from '../accounts/developer.repository';
import {
  PlatformCallError,
  PlatformClient,
  type CustomerSeedSummary,
} from '../platform/platform-client';
import { OrganizationRepository, type OrganizationRecord } from './organization.repository';

/** The first app's name, also how a retry finds it when its creation's answer was lost. */
export const FIRST_APP_NAME = 'My first app';
export const FIRST_APP_GRANT_TYPES = ['client_credentials', 'password', 'refresh_token'] as const;
/** Sample activity events seeded into a new sandbox FI (the activity-service's default when unset). */
const SAMPLE_EVENTS: number | undefined = undefined;

export interface ProvisionedKeys {
  institutionId: string;
  /** The Shared Key (client id) of the first app. */
  clientId: string;
  /** The Secret Key, when this call is the one that shows it (once); undefined afterwards. */
  clientSecret?: string;
  /** The sample customers, when this call seeded them. */
  customers?: CustomerSeedSummary;
}

export const ProvisioningErrors = {
  failed: (detail: string) =>
    new DomainError(
      'PORTAL_PROVISIONING_FAILED',
      'unavailable',
      `Setting up your sandbox stopped: ${detail} Nothing is lost: try again and it continues where it stopped.`,
    ),
  busy: () =>
    new DomainError(
      'PORTAL_PROVISIONING_BUSY',
      'conflict',
      'Your sandbox is being set up right now. Wait a moment and reload this page.',
    ),
  notVerified: () =>
    new DomainError('PORTAL_EMAIL_NOT_VERIFIED', 'forbidden', 'Verify your email address first.'),
};

const newInstitutionId = (): string =>
  `${SANDBOX_INSTITUTION_PREFIX}${randomBytes(8).toString('hex')}`;

/**
 * A verified developer's sandbox organization, step by step: the organization and its FI
 * (`sbx-...`), the first app with every FI scope (auth-server admin API), the default
 * disclosures and sample customers (customer-service), sample activity (activity-service).
 * Each step is recorded when it succeeds and every step is idempotent, so after a failure the
 * next call continues where it stopped. The first app's Secret Key is shown once: by the call
 * that created the app, or (when that call failed later on) by the first call that finishes,
 * with a new secret.
 */
@Injectable()
export class ProvisioningService {
  private readonly logger = new Logger(ProvisioningService.name);

  constructor(
    private readonly developers: DeveloperRepository,
    private readonly organizations: OrganizationRepository,
    private readonly platform: PlatformClient,
  ) {}

  async provision(developerId: string): Promise<ProvisionedKeys> {
    const result = await this.organizations.exclusive(developerId, () => this.steps(developerId));
    if (result === 'busy') throw ProvisioningErrors.busy();
    return result;
  }

  /** What stopped the last attempt, for the retry page (undefined: nothing failed yet). */
  async lastProblem(developerId: string): Promise<string | undefined> {
    const developer = await this.developers.findById(developerId);
    const org = developer?.organizationId
      ? await this.organizations.findById(developer.organizationId)
      : undefined;
    return org?.lastError
      ? `Setting up your sandbox stopped: ${org.lastError} Nothing is lost: try again and it continues where it stopped.`
      : undefined;
  }

  private async steps(developerId: string): Promise<ProvisionedKeys> {
    const developer = await this.developers.findById(developerId);
    if (!developer?.verified) throw ProvisioningErrors.notVerified();
    let org = developer.organizationId
      ? await this.organizations.findById(developer.organizationId)
      : undefined;
    if (!org) {
      const id = randomUUID();
      await this.organizations.insert({
        id,
        name: `${developer.name}'s sandbox`,
        institutionId: newInstitutionId(),
      });
      await this.developers.setOrganization(developerId, id);
      org = (await this.organizations.findById(id))!;
    }
    const keys: ProvisionedKeys = { institutionId: org.institutionId, clientId: '' };
    try {
      keys.clientId = await this.firstApp(org, keys);
      if (!org.customersSeededAt) {
        keys.customers = await this.platform.seedCustomers(org.institutionId);
        await this.organizations.update(org.id, { customersSeededAt: new Date() });
      }
      if (!org.activitySeededAt) {
        await this.platform.seedActivity(org.institutionId, SAMPLE_EVENTS);
        await this.organizations.update(org.id, { activitySeededAt: new Date() });
      }
      if (!org.firstSecretShown && keys.clientSecret === undefined) {
        // The secret made with the app was never shown (that call failed later): a new one.
        keys.clientSecret = (await this.platform.rotateSecret(keys.clientId, 0)).clientSecret;
      }
      await this.organizations.update(org.id, {
        provisionedAt: org.provisionedAt ?? new Date(),
        firstSecretShown: true,
        lastError: null,
      });
      return keys;
    } catch (err) {
      const detail = describe(err);
      this.logger.warn({ organizationId: org.id, error: detail }, 'provisioning step failed');
      await this.organizations.update(org.id, { lastError: detail });
      throw ProvisioningErrors.failed(detail);
    }
  }

  /** The first app's client id, creating it when needed (its secret into `keys`). */
  private async firstApp(org: OrganizationRecord, keys: ProvisionedKeys): Promise<string> {
    if (org.firstClientId) return org.firstClientId;
    // A creation whose answer was lost left an app behind: adopt it rather than make another.
    const existing = (await this.platform.listApps(org.institutionId)).find(
      (app) => app.name === FIRST_APP_NAME && app.status === 'active',
    );
    if (existing) {
      await this.organizations.update(org.id, { firstClientId: existing.clientId });
      return existing.clientId;
    }
    const created = await this.platform.createApp({
      institutionId: org.institutionId,
      name: FIRST_APP_NAME,
      scopes: FI_SCOPES,
      grantTypes: FIRST_APP_GRANT_TYPES,
    });
    keys.clientSecret = created.clientSecret;
    await this.organizations.update(org.id, { firstClientId: created.clientId });
    return created.clientId;
  }
}

/** What the developer is told about a failed step (no internals beyond the service's own words). */
function describe(err: unknown): string {
  if (err instanceof PlatformCallError) {
    if (err.status === 0) return 'a platform service could not be reached.';
    return `a platform service answered ${err.status}${err.code ? ` (${err.code})` : ''}.`;
  }
  return 'an unexpected error happened.';
}

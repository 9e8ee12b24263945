import { Injectable, Logger } from '@nestjs/common';
import {
  SANDBOX_SAMPLE_PASSWORD,
  SANDBOX_SAMPLE_USERS,
  isSandboxInstitution,
  sandboxCustomerId,
} from '@app/common';
import { loginIdKey } from '../credentials/credentials.service';
import { CustomerErrors } from '../customers/customer.errors';
import { DEFAULT_DISCLOSURES } from '../disclosures/default-disclosures';
import { DisclosureRepository } from '../disclosures/disclosure.repository';
import { DisclosuresService } from '../disclosures/disclosures.service';
import type { RequestContext } from '../http/request-context';
import { UnitOfWork } from '../persistence/unit-of-work';
import { RegistrationService } from '../registration/registration.service';
import { sampleRegistration } from './sample-customers';
import { SandboxRepository } from './sandbox.repository';

export interface SandboxCustomer {
  customerId: string;
  loginId: string;
  userType: string;
  institutionCustomerId?: string;
}

/** What a seed answers, the first time and every time after (docs/internal-apis.md). */
export interface SandboxSeedSummary {
  institutionId: string;
  disclosures: { disclosureId: string; version: string; required: boolean }[];
  /** Every sample customer's password (sandbox only, published on purpose). */
  samplePassword: string;
  customers: SandboxCustomer[];
}

export interface SandboxSeedResult {
  summary: SandboxSeedSummary;
  /** Whether this call added anything (201) or found the FI seeded already (200). */
  created: boolean;
}

/**
 * The developer portal's sandbox FIs: seeds one with the default disclosures and the sample
 * customers (through the same publish and registration code as the API, so passwords are
 * hashed, SSNs sealed, and the events go to the activity-service through the outbox), and
 * wipes one. Each runs in one transaction under the FI's lock: a seed and a wipe of the same FI
 * never interleave, and either is all done or not at all. Only `sbx-` FIs.
 */
@Injectable()
export class SandboxService {
  private readonly logger = new Logger(SandboxService.name);

  constructor(
    private readonly uow: UnitOfWork,
    private readonly sandbox: SandboxRepository,
    private readonly disclosureVersions: DisclosureRepository,
    private readonly disclosures: DisclosuresService,
    private readonly registrations: RegistrationService,
  ) {}

  async seed(institutionId: string, ctx: RequestContext): Promise<SandboxSeedResult> {
    requireSandbox(institutionId);
    return this.uow.transaction(async () => {
      await this.sandbox.lockInstitution(institutionId);
      let created = false;
      for (const d of DEFAULT_DISCLOSURES) {
        const ref = { disclosureId: d.disclosureId, version: d.version };
        if (await this.disclosureVersions.findVersion(institutionId, ref)) continue;
        await this.disclosures.publish(institutionId, { ...d }, ctx);
        created = true;
      }
      const refs = DEFAULT_DISCLOSURES.map((d) => ({
        disclosureId: d.disclosureId,
        version: d.version,
      }));

      const keys = SANDBOX_SAMPLE_USERS.map((u) => loginIdKey(u.loginId));
      const existing = new Map(
        (await this.sandbox.customersByLoginIdKeys(institutionId, keys)).map((c) => [
          c.loginIdKey,
          c,
        ]),
      );
      const customers: SandboxCustomer[] = [];
      for (const [i, user] of SANDBOX_SAMPLE_USERS.entries()) {
        const customerId = sandboxCustomerId(institutionId, user.loginId);
        const found = existing.get(loginIdKey(user.loginId));
        // A login id the developer registered themselves stays theirs, and out of the summary.
        if (found && found.customerId !== customerId) continue;
        if (!found) {
          await this.registrations.register({
            institutionId,
            clientId: ctx.clientId ?? ctx.actor.id,
            dto: sampleRegistration(user, i, refs),
            ctx,
            customerId,
          });
          created = true;
        }
        customers.push({
          customerId,
          loginId: user.loginId,
          userType: user.userType,
          ...(user.institutionCustomerId
            ? { institutionCustomerId: user.institutionCustomerId }
            : {}),
        });
      }
      return {
        created,
        summary: {
          institutionId,
          disclosures: DEFAULT_DISCLOSURES.map((d) => ({
            disclosureId: d.disclosureId,
            version: d.version,
            required: d.required,
          })),
          samplePassword: SANDBOX_SAMPLE_PASSWORD,
          customers,
        },
      };
    });
  }

  /** Deletes the FI's customers and everything of theirs, and its disclosures. */
  async wipe(institutionId: string): Promise<void> {
    requireSandbox(institutionId);
    const counts = await this.uow.transaction(async () => {
      await this.sandbox.lockInstitution(institutionId);
      return this.sandbox.wipe(institutionId);
    });
    this.logger.log({ institutionId, deleted: counts }, 'sandbox institution wiped');
  }
}

function requireSandbox(institutionId: string): void {
  if (!isSandboxInstitution(institutionId)) throw CustomerErrors.sandboxInstitutionRequired();
}

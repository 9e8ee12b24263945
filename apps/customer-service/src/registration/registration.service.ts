import { randomUUID } from 'node:crypto';
import { Injectable } from '@nestjs/common';
import { passwordProblems } from '@app/common';
import { AuditService } from '../audit/audit.service';
import { CustomerEnv } from '../config/customer.env';
import { CredentialRepository } from '../credentials/credential.repository';
import { loginIdKey } from '../credentials/credentials.service';
import { PasswordHasher } from '../credentials/password-hasher';
import { CustomerErrors } from '../customers/customer.errors';
import { settledStatus } from '../customers/customer-status';
import type { CustomerEntity } from '../customers/customer.entity';
import { CustomerRepository } from '../customers/customer.repository';
import { renderProfile } from '../customers/profile.service';
import { SsnCipher } from '../customers/ssn-cipher';
import {
  DisclosuresService,
  type RegistrationDisclosures,
} from '../disclosures/disclosures.service';
import type { RequestContext } from '../http/request-context';
import {
  IdempotencyService,
  type IdempotencyScope,
  type StoredResponse,
} from '../idempotency/idempotency.service';
import { customerEvent } from '../outbox/activity-event';
import { OutboxService } from '../outbox/outbox.service';
import type { RegistrationDto } from './registration.dto';
import { RegistrationRepository } from './registration.repository';

export interface RegistrationRequest {
  institutionId: string;
  clientId: string;
  dto: RegistrationDto;
  /** The Idempotency-Key, when the client sent one, and the request it protects. */
  idempotency?: { key: string; method: string; path: string; body: unknown };
  ctx: RequestContext;
  /**
   * The new customer's id when the caller decides it (the sandbox seed's ids, which the
   * activity-service's sample events carry too); a new UUID otherwise. Never from a request.
   */
  customerId?: string;
}

export type RegistrationResult = StoredResponse & { replayed: boolean };

/** Times the versions in force may change under one registration before it gives up. */
const DISCLOSURE_ATTEMPTS = 5;

/**
 * Registration: one statement writes the customer, the credentials, the disclosure
 * acceptances, the audit entry, the events and the idempotent response, or nothing
 * (RegistrationRepository). Everything that can refuse the request is checked before the
 * (deliberately slow) hash; the statement checks the loginId and the disclosures again.
 */
@Injectable()
export class RegistrationService {
  constructor(
    private readonly registrations: RegistrationRepository,
    private readonly customers: CustomerRepository,
    private readonly credentials: CredentialRepository,
    private readonly env: CustomerEnv,
    private readonly hasher: PasswordHasher,
    private readonly ssn: SsnCipher,
    private readonly disclosures: DisclosuresService,
    private readonly audit: AuditService,
    private readonly outbox: OutboxService,
    private readonly idempotency: IdempotencyService,
  ) {}

  async register(request: RegistrationRequest): Promise<RegistrationResult> {
    let scope: IdempotencyScope | undefined;
    if (request.idempotency) {
      const { key, method, path, body } = request.idempotency;
      const claim = await this.idempotency.claim(
        request.clientId,
        request.institutionId,
        key,
        this.idempotency.fingerprint(method, path, body),
      );
      if (claim.kind === 'replay') return { ...claim.response, replayed: true };
      scope = claim.scope;
    }
    try {
      return { ...(await this.create(request, scope)), replayed: false };
    } catch (err) {
      // If even the release fails, the claim's lease runs out (60 s) and frees the key.
      if (scope) await this.idempotency.release(scope).catch(() => undefined);
      throw err;
    }
  }

  private async create(
    { institutionId, dto, ctx, customerId }: RegistrationRequest,
    scope: IdempotencyScope | undefined,
  ): Promise<StoredResponse> {
    const { person } = dto;
    const problems = passwordProblems(dto.password, {
      minLength: this.env.passwordMinLength(institutionId),
      loginId: dto.loginId,
      names: [person.firstName, person.middleName, person.lastName],
    });
    if (problems.length > 0)
      throw CustomerErrors.invalidFields([{ pointer: '/password', detail: problems.join('; ') }]);
    const key = loginIdKey(dto.loginId);
    const refs = dto.acceptedDisclosures ?? [];
    // Both before the hash, side by side: one round trip's wait instead of two.
    const [taken, firstCheck] = await Promise.all([
      this.customers.loginIdTaken(institutionId, key),
      this.disclosures.checkRegistrationAcceptances(institutionId, refs),
    ]);
    if (taken) throw CustomerErrors.loginIdTaken();
    let checked = firstCheck;

    const passwordHash = await this.hasher.hash(dto.password);
    const now = new Date();
    const id = customerId ?? randomUUID();
    const customer: CustomerEntity = {
      id,
      institutionId,
      loginId: dto.loginId,
      loginIdKey: key,
      userType: dto.userType,
      institutionCustomerId: dto.userType === 'BUSINESS' ? dto.institutionCustomerId! : null,
      memberNumber: dto.memberNumber ?? null,
      status: settledStatus({ locked: false, pendingDisclosures: 0, lastLoginAt: null }),
      firstName: person.firstName,
      middleName: person.middleName ?? null,
      lastName: person.lastName,
      birthDate: person.birthDate,
      ssnSealed: this.ssn.seal(person.ssn, id),
      ssnLast4: person.ssn.slice(-4),
      emailAddress: person.emailAddress,
      phoneNumber: person.phoneNumber,
      postalAddress: {
        address1: person.postalAddress.address1,
        ...(person.postalAddress.address2 ? { address2: person.postalAddress.address2 } : {}),
        city: person.postalAddress.city,
        state: person.postalAddress.state,
        postalCode: person.postalAddress.postalCode,
        country: person.postalAddress.country,
      },
      failedLoginCount: 0,
      lockedAt: null,
      lastLoginAt: null,
      version: 1,
      createdAt: now,
      updatedAt: now,
    };

    for (let attempt = 1; ; attempt++) {
      const { outcome, response } = await this.insert(customer, passwordHash, checked, scope, ctx);
      if (outcome.inserted) return response;
      // Not inserted: the loginId was taken meanwhile, or a version took effect (or was
      // withdrawn) since the check. Then check again, as of now (a refusal is final), and retry.
      if (outcome.inForceKey === checked.inForceKey) throw CustomerErrors.loginIdTaken();
      if (attempt === DISCLOSURE_ATTEMPTS)
        throw new Error('the disclosures in force kept changing during a registration');
      checked = await this.disclosures.checkRegistrationAcceptances(institutionId, refs, {
        fresh: true,
      });
    }
  }

  private async insert(
    customer: CustomerEntity,
    passwordHash: string,
    checked: RegistrationDisclosures,
    scope: IdempotencyScope | undefined,
    ctx: RequestContext,
  ) {
    const now = customer.createdAt;
    const acceptances = this.disclosures.acceptances(customer, checked.accepted, ctx, now);
    // Rendered from what is written: a new customer has no other acceptances.
    const profile = renderProfile(customer, acceptances.rows);
    const response: StoredResponse = {
      status: 201,
      headers: { Location: `/customers/v2/customers/${customer.id}`, ETag: profile.etag },
      body: profile.view,
    };
    const outcome = await this.registrations.insert({
      inForceUnderLock: this.disclosures.inForceUnderLockStatement(customer.institutionId),
      checkedInForceKey: checked.inForceKey,
      customer: this.customers.insertStatement(customer),
      with: [
        this.credentials.insertStatement(customer.id, passwordHash, now),
        this.disclosures.storeAcceptancesStatement(acceptances.rows),
        // Every event of the registration in one insert.
        this.outbox.appendStatement(
          [
            customerEvent(
              customer,
              'registrationUser',
              { userStatus: customer.status },
              { ...ctx, at: now },
            ),
            ...acceptances.events,
          ],
          now,
        ),
        this.audit.recordStatement(
          {
            customerId: customer.id,
            institutionId: customer.institutionId,
            action: 'registered',
            changes: registrationChanges(customer),
          },
          ctx,
        ),
        ...(scope ? [this.idempotency.completeStatement(scope, response)] : []),
      ],
    });
    return { outcome, response };
  }
}

/** The audit entry of a registration: every field set, masked where personal. */
function registrationChanges(c: CustomerEntity): { field: string; old: null; new: unknown }[] {
  const fields: [string, unknown][] = [
    ['loginId', c.loginId],
    ['userType', c.userType],
    ['userStatus', c.status],
    ['institutionCustomerId', c.institutionCustomerId],
    ['memberNumber', c.memberNumber],
    ['firstName', c.firstName],
    ['middleName', c.middleName],
    ['lastName', c.lastName],
    ['birthDate', c.birthDate],
    ['ssn', c.ssnLast4],
    ['emailAddress', c.emailAddress],
    ['phoneNumber', c.phoneNumber],
    ['postalAddress', c.postalAddress],
  ];
  return fields
    .filter(([, value]) => value !== null)
    .map(([field, value]) => ({ field, old: null, new: value }));
}

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
import { DisclosuresService } from '../disclosures/disclosures.service';
import type { RequestContext } from '../http/request-context';
import {
  IdempotencyService,
  type IdempotencyScope,
  type StoredResponse,
} from '../idempotency/idempotency.service';
import { customerEvent } from '../outbox/activity-event';
import { OutboxService } from '../outbox/outbox.service';
import { UnitOfWork } from '../persistence/unit-of-work';
import type { RegistrationDto } from './registration.dto';

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

/**
 * Registration: one transaction writes the customer, the credentials, the disclosure
 * acceptances, the audit entry, the events and the idempotent response, or nothing.
 * Everything that can refuse the request is checked before the (deliberately slow) hash.
 */
@Injectable()
export class RegistrationService {
  constructor(
    private readonly uow: UnitOfWork,
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
    // Both before the hash, side by side: one round trip's wait instead of two.
    const [taken] = await Promise.all([
      this.customers.loginIdTaken(institutionId, key),
      this.disclosures.checkRegistrationAcceptances(institutionId, dto.acceptedDisclosures ?? []),
    ]);
    if (taken) throw CustomerErrors.loginIdTaken();

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

    return this.uow.transaction(async () => {
      // Again under the FI's lock: a required version may have taken effect meanwhile.
      const accepted = await this.disclosures.checkRegistrationAcceptances(
        institutionId,
        dto.acceptedDisclosures ?? [],
        { locked: true },
      );
      if (!(await this.customers.insertUnlessLoginIdTaken(customer)))
        throw CustomerErrors.loginIdTaken();
      await this.credentials.insert(id, passwordHash, now);
      const acceptances = this.disclosures.acceptances(customer, accepted, ctx, now);
      await this.disclosures.storeAcceptances(acceptances.rows);
      // One insert for every event of the registration.
      await this.outbox.append(
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
      );
      await this.audit.record(
        {
          customerId: id,
          institutionId,
          action: 'registered',
          changes: registrationChanges(customer),
        },
        ctx,
      );
      // Rendered from what was just written: a new customer has no other acceptances.
      const profile = renderProfile(customer, acceptances.rows);
      const response: StoredResponse = {
        status: 201,
        headers: { Location: `/customers/v2/customers/${id}`, ETag: profile.etag },
        body: profile.view,
      };
      if (scope) await this.idempotency.complete(scope, response);
      return response;
    });
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

import { randomUUID } from 'node:crypto';
import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import { AuditService } from '../audit/audit.service';
import { CustomerEnv } from '../config/customer.env';
import { CredentialEntity } from '../credentials/credential.entity';
import { loginIdKey } from '../credentials/credentials.service';
import { PasswordHasher } from '../credentials/password-hasher';
import { passwordProblems } from '../credentials/password-policy';
import { CustomerErrors } from '../customers/customer.errors';
import { CustomerEntity } from '../customers/customer.entity';
import { ProfileService } from '../customers/profile.service';
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
import type { RegistrationDto } from './registration.dto';

export interface RegistrationRequest {
  institutionId: string;
  clientId: string;
  dto: RegistrationDto;
  /** The Idempotency-Key, when the client sent one, and the request it protects. */
  idempotency?: { key: string; method: string; path: string; body: unknown };
  ctx: RequestContext;
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
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly env: CustomerEnv,
    private readonly hasher: PasswordHasher,
    private readonly ssn: SsnCipher,
    private readonly disclosures: DisclosuresService,
    private readonly profiles: ProfileService,
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
    { institutionId, dto, ctx }: RegistrationRequest,
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
    if (await this.dataSource.manager.existsBy(CustomerEntity, { institutionId, loginIdKey: key }))
      throw CustomerErrors.loginIdTaken();
    await this.disclosures.checkRegistrationAcceptances(
      institutionId,
      dto.acceptedDisclosures ?? [],
    );

    const passwordHash = await this.hasher.hash(dto.password);
    const now = new Date();
    const id = randomUUID();
    const customer: CustomerEntity = {
      id,
      institutionId,
      loginId: dto.loginId,
      loginIdKey: key,
      userType: dto.userType,
      institutionCustomerId: dto.userType === 'BUSINESS' ? dto.institutionCustomerId! : null,
      memberNumber: dto.memberNumber ?? null,
      status: 'registered',
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

    return this.dataSource.transaction(async (em) => {
      // Again under the FI's lock: a required version may have taken effect meanwhile.
      const accepted = await this.disclosures.checkRegistrationAcceptances(
        institutionId,
        dto.acceptedDisclosures ?? [],
        em,
      );
      // ON CONFLICT DO NOTHING: a loginId taken meanwhile is an answer, not a failed
      // statement (whose parameters, personal data, the driver would log).
      const inserted = await em
        .createQueryBuilder()
        .insert()
        .into(CustomerEntity)
        .values(customer)
        .orIgnore()
        .returning(['id'])
        .execute();
      if ((inserted.raw as unknown[]).length === 0) throw CustomerErrors.loginIdTaken();
      await em.insert(CredentialEntity, {
        customerId: id,
        passwordHash,
        passwordChangedAt: now,
      });
      await this.outbox.append(em, [
        customerEvent(
          customer,
          'registrationUser',
          { userStatus: customer.status },
          { ...ctx, at: now },
        ),
      ]);
      await this.disclosures.recordAcceptances(em, customer, accepted, ctx, now);
      await this.audit.record(
        em,
        {
          customerId: id,
          institutionId,
          action: 'registered',
          changes: registrationChanges(customer),
        },
        ctx,
      );
      const profile = await this.profiles.render(customer, em);
      const response: StoredResponse = {
        status: 201,
        headers: { Location: `/customers/v2/customers/${id}`, ETag: profile.etag },
        body: profile.view,
      };
      if (scope) await this.idempotency.complete(em, scope, response);
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

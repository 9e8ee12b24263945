import { setTimeout as sleep } from 'node:timers/promises';
import { Injectable, Logger } from '@nestjs/common';
import type { CredentialCheck, CredentialVerdict } from '@app/common';
import { AuditService } from '../audit/audit.service';
import { CustomerEnv } from '../config/customer.env';
import { settledStatus, statusAfterLogin } from '../customers/customer-status';
import type { CustomerEntity } from '../customers/customer.entity';
import { CustomerRepository } from '../customers/customer.repository';
import { ProfileService, type RenderedProfile } from '../customers/profile.service';
import { DisclosuresService } from '../disclosures/disclosures.service';
import { truncateUserAgent, type RequestContext } from '../http/request-context';
import { customerEvent } from '../outbox/activity-event';
import { OutboxService } from '../outbox/outbox.service';
import { UnitOfWork } from '../persistence/unit-of-work';
import { CredentialRepository, type LoginRecord } from './credential.repository';
import { PasswordHasher } from './password-hasher';

export const loginIdKey = (loginId: string): string => loginId.toLowerCase();

/**
 * Checks customers' passwords for the auth-server's password grant and keeps the lockout:
 * MAX_FAILED_LOGINS consecutive failures lock the customer until the FI's app unlocks it.
 * An unknown loginId costs the same argon2 verification as a known one (a dummy hash), so the
 * answer's timing does not tell whether the loginId exists.
 */
@Injectable()
export class CredentialsService {
  private readonly logger = new Logger(CredentialsService.name);
  /**
   * How long recording a failed login (row lock, counter, events) takes lately, as a moving
   * average. An unknown loginId has nothing to record, so it waits as long instead: otherwise
   * those few milliseconds would tell an attacker which loginIds exist.
   */
  private failureCostMs = 3;

  constructor(
    private readonly uow: UnitOfWork,
    private readonly credentials: CredentialRepository,
    private readonly customers: CustomerRepository,
    private readonly hasher: PasswordHasher,
    private readonly env: CustomerEnv,
    private readonly disclosures: DisclosuresService,
    private readonly profiles: ProfileService,
    private readonly audit: AuditService,
    private readonly outbox: OutboxService,
  ) {}

  async verify(check: CredentialCheck, transactionId?: string): Promise<CredentialVerdict> {
    const login = await this.credentials.findByLogin(
      check.institutionId,
      loginIdKey(check.loginId),
    );
    const passwordOk = await this.hasher.verify(login?.passwordHash, check.password);
    if (!login) {
      await sleep(this.failureCostMs);
      return { result: 'invalid' };
    }

    const ctx: RequestContext = {
      actor: { type: 'customer', id: login.customerId },
      clientId: check.clientId,
      ipAddress: check.ipAddress,
      userAgent: truncateUserAgent(check.userAgent),
      ...(transactionId ? { transactionId } : {}),
      channel: 'api',
    };
    const newHash =
      passwordOk && this.hasher.needsRehash(login.passwordHash)
        ? await this.hasher.hash(check.password)
        : undefined;
    if (passwordOk && !newHash && (await this.recordPlainSuccess(login, check.clientId, ctx)))
      return {
        result: 'ok',
        customerId: login.customer.id,
        loginId: login.customer.loginId,
        userType: login.customer.userType,
      };
    const started = performance.now();
    const verdict = await this.uow.transaction(async (): Promise<CredentialVerdict> => {
      const customer = await this.customers.lockById(login.customerId);
      // Deleted between the two reads: nothing to count against.
      if (!customer) return { result: 'invalid' };
      const now = new Date();
      if (customer.status === 'locked') {
        await this.outbox.append(
          [
            customerEvent(
              customer,
              'loginFailure',
              {
                clientId: check.clientId,
                failedLoginCount: customer.failedLoginCount,
                reason: 'locked',
              },
              { ...ctx, at: now },
            ),
          ],
          now,
        );
        return { result: 'locked' };
      }
      if (!passwordOk) {
        await this.recordFailure(customer, check.clientId, ctx, now);
        return { result: 'invalid' };
      }
      await this.recordSuccess(customer, check.clientId, newHash, ctx, now);
      return {
        result: 'ok',
        customerId: customer.id,
        loginId: customer.loginId,
        userType: customer.userType,
      };
    });
    if (verdict.result === 'invalid')
      this.failureCostMs = 0.8 * this.failureCostMs + 0.2 * (performance.now() - started);
    return verdict;
  }

  private async recordFailure(
    customer: CustomerEntity,
    clientId: string,
    ctx: RequestContext,
    now: Date,
  ): Promise<void> {
    const failed = customer.failedLoginCount + 1;
    const locks = failed >= this.env.MAX_FAILED_LOGINS;
    await this.customers.update(customer.id, {
      failedLoginCount: failed,
      ...(locks
        ? {
            status: settledStatus({ locked: true, pendingDisclosures: 0, lastLoginAt: null }),
            lockedAt: now,
          }
        : {}),
      version: customer.version + 1,
      updatedAt: now,
    });
    const at = { ...ctx, at: now };
    const events = [
      customerEvent(
        customer,
        'loginFailure',
        { clientId, failedLoginCount: failed, reason: 'invalidPassword' },
        at,
      ),
    ];
    if (locks) {
      events.push(customerEvent(customer, 'userLocked', { failedLoginCount: failed }, at));
      await this.audit.record(
        {
          customerId: customer.id,
          institutionId: customer.institutionId,
          action: 'locked',
          changes: [
            { field: 'userStatus', old: customer.status, new: 'locked' },
            { field: 'failedLoginCount', old: customer.failedLoginCount, new: failed },
          ],
        },
        ctx,
      );
      this.logger.warn({ customerId: customer.id, failed }, 'customer locked after failed logins');
    }
    await this.outbox.append(events, now);
  }

  /**
   * The common success: a customer who is not locked and has no failures to clear. Then a
   * login changes `lastLoginAt` (and, the first time, the status to `active`, audited) and adds
   * the `loginSuccess` event: one statement (no transaction, no row lock), applied only if the
   * row is still as `findByLogin` read it. False when it is not (or the case is not this one):
   * the caller then decides under the row lock, as for every other case.
   */
  private async recordPlainSuccess(
    login: LoginRecord,
    clientId: string,
    ctx: RequestContext,
  ): Promise<boolean> {
    const customer = login.customer;
    if (customer.status === 'locked' || customer.failedLoginCount !== 0) return false;
    const status = statusAfterLogin(customer.status);
    const now = new Date();
    return this.outbox.appendIf(
      this.customers.lastLoginIfUnchanged(customer, now, status),
      [customerEvent(customer, 'loginSuccess', { clientId }, { ...ctx, at: now })],
      now,
      status === customer.status
        ? []
        : [
            this.audit.recordStatement(
              {
                customerId: customer.id,
                institutionId: customer.institutionId,
                action: 'statusChanged',
                changes: [{ field: 'userStatus', old: customer.status, new: status }],
              },
              ctx,
            ),
          ],
    );
  }

  /** A first login turns `registered` into `active`; a success clears the failure count. */
  private async recordSuccess(
    customer: CustomerEntity,
    clientId: string,
    newHash: string | undefined,
    ctx: RequestContext,
    now: Date,
  ): Promise<void> {
    const status = statusAfterLogin(customer.status);
    const changed = status !== customer.status || customer.failedLoginCount !== 0;
    await this.customers.update(customer.id, {
      failedLoginCount: 0,
      status,
      lastLoginAt: now,
      ...(changed ? { version: customer.version + 1, updatedAt: now } : {}),
    });
    if (newHash) await this.credentials.replaceHash(customer.id, newHash, now);
    if (status !== customer.status) {
      await this.audit.record(
        {
          customerId: customer.id,
          institutionId: customer.institutionId,
          action: 'statusChanged',
          changes: [{ field: 'userStatus', old: customer.status, new: status }],
        },
        ctx,
      );
    }
    await this.outbox.append(
      [customerEvent(customer, 'loginSuccess', { clientId }, { ...ctx, at: now })],
      now,
    );
  }

  /**
   * Clears a lock (and the failure count). The customer settles where they would be without
   * it: `needsToAcceptDisclosure` if a required disclosure came while they were locked.
   * Unlocking a customer who is not locked changes nothing.
   */
  unlock(institutionId: string, customerId: string, ctx: RequestContext): Promise<RenderedProfile> {
    return this.uow.transaction(async () => {
      const customer = await this.profiles.find(institutionId, customerId, { forUpdate: true });
      if (customer.status !== 'locked') return this.profiles.render(customer);
      const pending = await this.disclosures.pendingRequired(customer);
      const now = new Date();
      const unlocked: CustomerEntity = {
        ...customer,
        status: settledStatus({
          locked: false,
          pendingDisclosures: pending.length,
          lastLoginAt: customer.lastLoginAt,
        }),
        failedLoginCount: 0,
        lockedAt: null,
        version: customer.version + 1,
        updatedAt: now,
      };
      await this.customers.update(customer.id, {
        status: unlocked.status,
        failedLoginCount: 0,
        lockedAt: null,
        version: unlocked.version,
        updatedAt: now,
      });
      await this.audit.record(
        {
          customerId: customer.id,
          institutionId,
          action: 'unlocked',
          changes: [
            { field: 'userStatus', old: customer.status, new: unlocked.status },
            { field: 'failedLoginCount', old: customer.failedLoginCount, new: 0 },
          ],
        },
        ctx,
      );
      await this.outbox.append(
        [
          customerEvent(
            unlocked,
            'userUnlocked',
            { unlockedBy: ctx.clientId ?? ctx.actor.id },
            { ...ctx, at: now },
          ),
        ],
        now,
      );
      return this.profiles.render(unlocked);
    });
  }
}

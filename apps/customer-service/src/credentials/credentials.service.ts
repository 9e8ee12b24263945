import { setTimeout as sleep } from 'node:timers/promises';
import { Injectable, Logger } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import { AuditService } from '../audit/audit.service';
import { CustomerEnv } from '../config/customer.env';
import { settledStatus } from '../customers/customer-status';
import { CustomerEntity } from '../customers/customer.entity';
import { findCustomer } from '../customers/customer.lookup';
import { ProfileService, type RenderedProfile } from '../customers/profile.service';
import { DisclosuresService } from '../disclosures/disclosures.service';
import type { RequestContext } from '../http/request-context';
import { customerEvent } from '../outbox/activity-event';
import { OutboxService } from '../outbox/outbox.service';
import { CredentialEntity } from './credential.entity';
import type { CredentialVerdictView, VerifyCredentialsDto } from './credentials.dto';
import { PasswordHasher } from './password-hasher';

interface LoginRow {
  id: string;
  password_hash: string;
}

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
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly hasher: PasswordHasher,
    private readonly env: CustomerEnv,
    private readonly disclosures: DisclosuresService,
    private readonly profiles: ProfileService,
    private readonly audit: AuditService,
    private readonly outbox: OutboxService,
  ) {}

  async verify(
    check: VerifyCredentialsDto,
    transactionId?: string,
  ): Promise<CredentialVerdictView> {
    const [row] = (await this.dataSource.query(
      `SELECT c.id, cr.password_hash
         FROM customers c JOIN credentials cr ON cr.customer_id = c.id
        WHERE c.institution_id = $1 AND c.login_id_key = $2`,
      [check.institutionId, loginIdKey(check.loginId)],
    )) as LoginRow[];
    const passwordOk = await this.hasher.verify(row?.password_hash, check.password);
    if (!row) {
      await sleep(this.failureCostMs);
      return { result: 'invalid' };
    }

    const ctx: RequestContext = {
      actor: { type: 'customer', id: row.id },
      clientId: check.clientId,
      ipAddress: check.ipAddress,
      userAgent: check.userAgent?.slice(0, 512) ?? null,
      ...(transactionId ? { transactionId } : {}),
      channel: 'api',
    };
    const newHash =
      passwordOk && this.hasher.needsRehash(row.password_hash)
        ? await this.hasher.hash(check.password)
        : undefined;
    const started = performance.now();
    const verdict = await this.dataSource.transaction(async (em) => {
      const customer = await em.findOneOrFail(CustomerEntity, {
        where: { id: row.id },
        lock: { mode: 'pessimistic_write' },
      });
      const now = new Date();
      const at = { ...ctx, at: now };

      if (customer.status === 'locked') {
        await this.outbox.append(em, [
          customerEvent(
            customer,
            'loginFailure',
            {
              clientId: check.clientId,
              failedLoginCount: customer.failedLoginCount,
              reason: 'locked',
            },
            at,
          ),
        ]);
        return { result: 'locked' as const };
      }

      if (!passwordOk) {
        const failed = customer.failedLoginCount + 1;
        const locks = failed >= this.env.MAX_FAILED_LOGINS;
        await em.update(
          CustomerEntity,
          { id: customer.id },
          {
            failedLoginCount: failed,
            ...(locks ? { status: 'locked' as const, lockedAt: now } : {}),
            version: customer.version + 1,
            updatedAt: now,
          },
        );
        const events = [
          customerEvent(
            customer,
            'loginFailure',
            { clientId: check.clientId, failedLoginCount: failed, reason: 'invalidPassword' },
            at,
          ),
        ];
        if (locks) {
          events.push(customerEvent(customer, 'userLocked', { failedLoginCount: failed }, at));
          await this.audit.record(
            em,
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
          this.logger.warn(
            { customerId: customer.id, failed },
            'customer locked after failed logins',
          );
        }
        await this.outbox.append(em, events);
        return { result: 'invalid' as const };
      }

      // A first login turns `registered` into `active`; a success clears the failure count.
      const status = customer.status === 'registered' ? 'active' : customer.status;
      const changed = status !== customer.status || customer.failedLoginCount !== 0;
      await em.update(
        CustomerEntity,
        { id: customer.id },
        {
          failedLoginCount: 0,
          status,
          lastLoginAt: now,
          ...(changed ? { version: customer.version + 1, updatedAt: now } : {}),
        },
      );
      if (newHash) {
        await em.update(
          CredentialEntity,
          { customerId: customer.id },
          { passwordHash: newHash, passwordChangedAt: now },
        );
      }
      if (status !== customer.status) {
        await this.audit.record(
          em,
          {
            customerId: customer.id,
            institutionId: customer.institutionId,
            action: 'statusChanged',
            changes: [{ field: 'userStatus', old: customer.status, new: status }],
          },
          ctx,
        );
      }
      await this.outbox.append(em, [
        customerEvent(customer, 'loginSuccess', { clientId: check.clientId }, at),
      ]);
      return {
        result: 'ok' as const,
        customerId: customer.id,
        loginId: customer.loginId,
        userType: customer.userType,
      };
    });
    if (verdict.result === 'invalid')
      this.failureCostMs = 0.8 * this.failureCostMs + 0.2 * (performance.now() - started);
    return verdict;
  }

  /**
   * Clears a lock (and the failure count). The customer settles where they would be without
   * it: `needsToAcceptDisclosure` if a required disclosure came while they were locked.
   * Unlocking a customer who is not locked changes nothing.
   */
  async unlock(
    institutionId: string,
    customerId: string,
    ctx: RequestContext,
  ): Promise<RenderedProfile> {
    return this.dataSource.transaction(async (em) => {
      const customer = await findCustomer(em, institutionId, customerId, true);
      if (customer.status !== 'locked') return this.profiles.render(customer, em);
      const pending = await this.disclosures.pendingRequired(em, customer);
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
      await em.update(
        CustomerEntity,
        { id: customer.id },
        {
          status: unlocked.status,
          failedLoginCount: 0,
          lockedAt: null,
          version: unlocked.version,
          updatedAt: now,
        },
      );
      await this.audit.record(
        em,
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
      await this.outbox.append(em, [
        customerEvent(
          unlocked,
          'userUnlocked',
          { unlockedBy: ctx.clientId ?? ctx.actor.id },
          { ...ctx, at: now },
        ),
      ]);
      return this.profiles.render(unlocked, em);
    });
  }
}

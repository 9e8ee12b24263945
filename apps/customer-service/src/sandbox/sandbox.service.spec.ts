import {
  SANDBOX_SAMPLE_PASSWORD,
  SANDBOX_SAMPLE_USERS,
  DomainError,
  sandboxCustomerId,
} from '@app/common';
import { E_SIGN_CONSENT } from '../disclosures/default-disclosures';
import type { RegistrationRequest } from '../registration/registration.service';
import { appContext, FakeUnitOfWork } from '../testing/fakes';
import type { SandboxCustomerRow } from './sandbox.repository';
import { SandboxService } from './sandbox.service';

const FI = 'sbx-dev42';

/** The service with repository and collaborator mocks; `existing` are customers already there. */
function build(
  opts: { existing?: SandboxCustomerRow[]; disclosurePublished?: boolean; order?: string[] } = {},
) {
  const order = opts.order ?? [];
  const uow = new FakeUnitOfWork();
  const sandbox = {
    lockInstitution: jest.fn(async (fi: string) => void order.push(`lock ${fi}`)),
    customersByLoginIdKeys: jest.fn().mockResolvedValue(opts.existing ?? []),
    wipe: jest.fn(async (fi: string) => {
      order.push(`wipe ${fi}`);
      return { customers: 3 };
    }),
  };
  const versions = {
    findVersion: jest.fn().mockResolvedValue(opts.disclosurePublished ? { id: 'd1' } : undefined),
  };
  const disclosures = { publish: jest.fn().mockResolvedValue({ inForce: true }) };
  const registrations = {
    register: jest.fn(async (r: RegistrationRequest) => {
      order.push(`register ${r.dto.loginId}`);
      return { status: 201, headers: {}, body: {}, replayed: false };
    }),
  };
  const service = new SandboxService(
    uow.asUnitOfWork,
    sandbox as never,
    versions as never,
    disclosures as never,
    registrations as never,
  );
  return { service, uow, sandbox, versions, disclosures, registrations, order };
}

const registered = (fi: string): SandboxCustomerRow[] =>
  SANDBOX_SAMPLE_USERS.map((u) => ({
    customerId: sandboxCustomerId(fi, u.loginId),
    loginIdKey: u.loginId.toLowerCase(),
    loginId: u.loginId,
    userType: u.userType,
    institutionCustomerId: u.institutionCustomerId ?? null,
  }));

describe('SandboxService', () => {
  it('refuses an FI outside the sandbox prefix before touching anything', async () => {
    for (const fi of ['fi-one', 'platform', 'sbx-', 'SBX-dev', 'xsbx-dev']) {
      const { service, uow, sandbox } = build();
      await expect(service.seed(fi, appContext)).rejects.toMatchObject({
        code: 'CUS_SANDBOX_INSTITUTION_REQUIRED',
        status: 403,
      });
      await expect(service.wipe(fi)).rejects.toBeInstanceOf(DomainError);
      expect(uow.transactions).toBe(0);
      expect(sandbox.lockInstitution).not.toHaveBeenCalled();
      expect(sandbox.wipe).not.toHaveBeenCalled();
    }
  });

  it('seeds a new FI: takes its lock first, publishes the defaults, registers every sample with its derived id, in one transaction', async () => {
    const { service, uow, disclosures, registrations, order } = build();
    const { created, summary } = await service.seed(FI, appContext);

    expect(created).toBe(true);
    expect(uow.transactions).toBe(1);
    expect(order[0]).toBe(`lock ${FI}`);
    expect(disclosures.publish).toHaveBeenCalledWith(FI, { ...E_SIGN_CONSENT }, appContext);
    expect(registrations.register).toHaveBeenCalledTimes(SANDBOX_SAMPLE_USERS.length);
    for (const [i, user] of SANDBOX_SAMPLE_USERS.entries()) {
      const request = registrations.register.mock.calls[i]![0];
      expect(request).toMatchObject({
        institutionId: FI,
        customerId: sandboxCustomerId(FI, user.loginId),
        ctx: appContext,
        dto: {
          loginId: user.loginId,
          password: SANDBOX_SAMPLE_PASSWORD,
          userType: user.userType,
          acceptedDisclosures: [{ disclosureId: E_SIGN_CONSENT.disclosureId, version: '1' }],
        },
      });
      expect(request.idempotency).toBeUndefined();
    }
    expect(summary).toEqual({
      institutionId: FI,
      disclosures: [{ disclosureId: 'e-sign-consent', version: '1', required: false }],
      samplePassword: SANDBOX_SAMPLE_PASSWORD,
      customers: SANDBOX_SAMPLE_USERS.map((u) => ({
        customerId: sandboxCustomerId(FI, u.loginId),
        loginId: u.loginId,
        userType: u.userType,
        ...(u.institutionCustomerId ? { institutionCustomerId: u.institutionCustomerId } : {}),
      })),
    });
  });

  it('seeding a seeded FI changes nothing and answers the same summary', async () => {
    const first = await build().service.seed(FI, appContext);
    const again = build({ existing: registered(FI), disclosurePublished: true });
    const { created, summary } = await again.service.seed(FI, appContext);
    expect(created).toBe(false);
    expect(again.disclosures.publish).not.toHaveBeenCalled();
    expect(again.registrations.register).not.toHaveBeenCalled();
    expect(summary).toEqual(first.summary);
  });

  it('completes a partly seeded FI, and leaves a login id the developer took out of the summary', async () => {
    const [taken, ...rest] = registered(FI);
    const existing = [{ ...taken!, customerId: '0b7e2b0e-6a3b-4c1e-9d6f-111111111111' }, rest[0]!];
    const { service, registrations } = build({ existing, disclosurePublished: true });
    const { created, summary } = await service.seed(FI, appContext);
    expect(created).toBe(true);
    expect(registrations.register).toHaveBeenCalledTimes(SANDBOX_SAMPLE_USERS.length - 2);
    expect(summary.customers.map((c) => c.loginId)).toEqual(
      SANDBOX_SAMPLE_USERS.slice(1).map((u) => u.loginId),
    );
  });

  it('wipes under the FI lock in one transaction', async () => {
    const { service, uow, order } = build();
    await service.wipe(FI);
    expect(uow.transactions).toBe(1);
    expect(order).toEqual([`lock ${FI}`, `wipe ${FI}`]);
  });
});

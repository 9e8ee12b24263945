import { loadEnv } from '@app/common';
import { PortalEnv } from '../config/portal.env';
import type { Mailer } from '../mail/mailer';
import type { AccountTokenRepository } from './account-token.repository';
import { AccountsService } from './accounts.service';
import type { DeveloperRecord, DeveloperRepository } from './developer.repository';
import type { PortalPasswordHasher } from './portal-password-hasher';
import type { ThrottleRepository } from './throttle.repository';

const PASSWORD = 'seven purple otters juggle quietly';
const env = loadEnv(PortalEnv, { DATABASE_URL: 'postgres://localhost/db' });

function setup(existing?: Partial<DeveloperRecord>) {
  const record: DeveloperRecord | undefined = existing
    ? {
        id: 'dev-1',
        email: 'ada@example.com',
        name: 'Ada',
        passwordHash: 'stored-hash',
        verified: true,
        organizationId: null,
        ...existing,
      }
    : undefined;
  const developers = {
    findByEmail: jest.fn().mockResolvedValue(record),
    findById: jest.fn().mockResolvedValue(record),
    insert: jest.fn().mockResolvedValue(true),
    markVerified: jest.fn(),
    setPasswordHash: jest.fn(),
  };
  const tokens = {
    insert: jest.fn(),
    retireAll: jest.fn(),
    peek: jest.fn().mockResolvedValue(record?.id),
    consume: jest.fn().mockResolvedValue(record?.id),
  };
  const throttle = { hit: jest.fn().mockResolvedValue(0) };
  const hasher = {
    hash: jest.fn().mockResolvedValue('new-hash'),
    verify: jest.fn().mockResolvedValue(false),
    needsRehash: jest.fn().mockReturnValue(false),
  };
  const mailer = { sendInBackground: jest.fn() };
  const service = new AccountsService(
    developers as unknown as DeveloperRepository,
    tokens as unknown as AccountTokenRepository,
    throttle as unknown as ThrottleRepository,
    hasher as unknown as PortalPasswordHasher,
    mailer as unknown as Mailer,
    env,
  );
  return { service, developers, tokens, throttle, hasher, mailer };
}

describe('AccountsService', () => {
  it('signs up a new address: hashed password, a hashed single-use link, a verification mail', async () => {
    const { service, developers, tokens, mailer } = setup();
    await service.signUp(
      { name: 'Ada', email: ' Ada@Example.com ', password: PASSWORD },
      '10.0.0.1',
    );
    expect(developers.insert).toHaveBeenCalledWith(
      expect.objectContaining({ email: 'ada@example.com', passwordHash: 'new-hash' }),
    );
    const [hash, , purpose, expiresAt] = tokens.insert.mock.calls[0] as [
      Buffer,
      string,
      string,
      Date,
    ];
    expect(hash).toHaveLength(32);
    expect(purpose).toBe('verify');
    expect(expiresAt.getTime() - Date.now()).toBeGreaterThan(23.9 * 3_600_000);
    const mail = mailer.sendInBackground.mock.calls[0]![0] as { text: string };
    const token = /verify\?token=([A-Za-z0-9_-]{43})/.exec(mail.text)![1]!;
    // The mail carries the token; the database only its SHA-256.
    expect(hash.toString('base64url')).not.toBe(token);
  });

  it('does the same work for an address that has an account, and mails it instead', async () => {
    const { service, developers, hasher, mailer } = setup({ verified: true });
    await service.signUp({ name: 'Ada', email: 'ada@example.com', password: PASSWORD }, '10.0.0.1');
    expect(hasher.hash).toHaveBeenCalled();
    expect(developers.insert).not.toHaveBeenCalled();
    expect(mailer.sendInBackground).toHaveBeenCalledWith(
      expect.objectContaining({ subject: 'You already have a developer account' }),
    );
  });

  it('checks an unknown email against the dummy hash, with the same refusal as a wrong password', async () => {
    const unknown = setup();
    await expect(unknown.service.logIn('nobody@example.com', PASSWORD, 'ip')).rejects.toMatchObject(
      {
        code: 'PORTAL_BAD_CREDENTIALS',
      },
    );
    expect(unknown.hasher.verify).toHaveBeenCalledWith(undefined, PASSWORD);
    const known = setup({});
    await expect(known.service.logIn('ada@example.com', 'wrong', 'ip')).rejects.toMatchObject({
      code: 'PORTAL_BAD_CREDENTIALS',
    });
  });

  it('throttles log-in by address and by email (a hash of it, never the address)', async () => {
    const { service, throttle, hasher } = setup({});
    throttle.hit.mockResolvedValueOnce(0).mockResolvedValueOnce(42);
    await expect(service.logIn('ada@example.com', PASSWORD, '10.0.0.1')).rejects.toMatchObject({
      code: 'PORTAL_RATE_LIMITED',
      status: 429,
      options: { headers: { 'Retry-After': '42' } },
    });
    expect(throttle.hit.mock.calls[1]![1]).toMatch(/^sha256:/);
    expect(throttle.hit.mock.calls[1]![1]).not.toContain('ada');
    expect(hasher.verify).not.toHaveBeenCalled();
  });

  it('lists every sign-up problem with its field', () => {
    const { service } = setup();
    const problems = service.signUpProblems({ name: '', email: 'nope', password: 'short' });
    expect(problems.map((p) => p.pointer)).toEqual(['/name', '/email', '/password']);
  });

  it('does not use a reset link for a password the policy refuses', async () => {
    const { service, tokens } = setup({});
    await expect(service.resetPassword('A'.repeat(43), 'password')).rejects.toMatchObject({
      code: 'PORTAL_INVALID_FIELDS',
    });
    expect(tokens.consume).not.toHaveBeenCalled();
  });
});

import { createHash, randomBytes, randomUUID } from 'node:crypto';
import { Injectable } from '@nestjs/common';
import { passwordProblems, type FieldError } from '@app/common';
import { isEmail } from 'class-validator';
import { PortalEnv } from '../config/portal.env';
import { Mailer } from '../mail/mailer';
import { PortalErrors } from '../web/portal-errors';
import type { AccountTokenPurpose } from './account-token.entity';
import { AccountTokenRepository } from './account-token.repository';
import { AccountErrors } from './accounts.errors';
import { DeveloperRepository } from './developer.repository';
import { PortalPasswordHasher } from './portal-password-hasher';
import { ThrottleRepository, type ThrottleBucket } from './throttle.repository';

export interface SignUpInput {
  name: string;
  email: string;
  password: string;
}

const NAME_MAX = 100;
const EMAIL_MAX = 254;

const sha256 = (value: string): Buffer => createHash('sha256').update(value).digest();
/** Emails are personal data: limiter keys carry a hash of them, never the address. */
const emailKey = (email: string): string => `sha256:${sha256(email).toString('base64url')}`;
const TOKEN_SHAPE = /^[A-Za-z0-9_-]{43}$/;

/** Lower-cased and trimmed: one account per address whatever its spelling. */
export const normalizeEmail = (email: string): string => email.trim().toLowerCase();

/**
 * Developer accounts: sign-up with a verification link, log-in, forgot and reset password. Every
 * answer that could tell whether an address has an account is the same either way (words,
 * status and, as far as the work done goes, time: a password hash and a mail sent in the
 * background on both paths).
 */
@Injectable()
export class AccountsService {
  constructor(
    private readonly developers: DeveloperRepository,
    private readonly tokens: AccountTokenRepository,
    private readonly throttle: ThrottleRepository,
    private readonly hasher: PortalPasswordHasher,
    private readonly mailer: Mailer,
    private readonly env: PortalEnv,
  ) {}

  /** Field problems of a sign-up form (empty when fine). */
  signUpProblems(input: SignUpInput): FieldError[] {
    const errors: FieldError[] = [];
    const name = input.name.trim();
    if (name.length === 0) errors.push({ pointer: '/name', detail: 'Enter your name.' });
    else if ([...name].length > NAME_MAX || /\p{Cc}/u.test(name))
      errors.push({
        pointer: '/name',
        detail: `Your name must be at most ${NAME_MAX} characters.`,
      });
    const email = normalizeEmail(input.email);
    if (email.length === 0) errors.push({ pointer: '/email', detail: 'Enter your email address.' });
    else if (email.length > EMAIL_MAX || !isEmail(email))
      errors.push({
        pointer: '/email',
        detail: 'Enter an email address like name@example.com.',
      });
    const problems = passwordProblems(input.password, {
      minLength: this.env.PASSWORD_MIN_LENGTH,
      loginId: email.split('@')[0],
      names: [name],
      labels: { loginId: 'your email address', name: 'your name' },
    });
    if (input.password.length === 0)
      errors.push({ pointer: '/password', detail: 'Enter a password.' });
    else if (problems.length > 0)
      errors.push({ pointer: '/password', detail: `Your password ${problems.join('; ')}.` });
    return errors;
  }

  /**
   * Signs up: a new account gets a verification link; an address that has an account gets a
   * mail saying so (with a way to log in or reset). The caller shows the same page either way.
   */
  async signUp(input: SignUpInput, address: string): Promise<void> {
    const errors = this.signUpProblems(input);
    if (errors.length > 0) throw AccountErrors.invalidFields(errors);
    await this.limit('account-address', address);
    const email = normalizeEmail(input.email);
    const name = input.name.trim();
    // Hashed on both paths, so an existing address does not answer faster.
    const passwordHash = await this.hasher.hash(input.password);
    const existing = await this.developers.findByEmail(email);
    if (!existing) {
      const id = randomUUID();
      if (await this.developers.insert({ id, email, name, passwordHash })) {
        await this.sendVerification(id, email, name);
        return;
      }
    }
    if (!(await this.mailAllowed(email))) return;
    const developer = existing ?? (await this.developers.findByEmail(email));
    if (developer && !developer.verified) {
      await this.sendVerification(developer.id, developer.email, developer.name);
      return;
    }
    this.mailer.sendInBackground({
      to: email,
      subject: 'You already have a developer account',
      text: [
        'Someone (probably you) tried to sign up for the Digital Banking Developer Portal with this address.',
        'You already have an account. Log in:',
        '',
        `${this.env.publicUrl}/login`,
        '',
        'Forgot your password? Reset it:',
        '',
        `${this.env.publicUrl}/forgot-password`,
        '',
        'If this was not you, you can ignore this mail.',
      ].join('\n'),
    });
  }

  /** A new verification link for a signed-in developer who has not verified yet. */
  async resendVerification(developerId: string): Promise<void> {
    const developer = await this.developers.findById(developerId);
    if (!developer || developer.verified) return;
    if (!(await this.mailAllowed(developer.email))) throw PortalErrors.tooManyRequests(60);
    await this.sendVerification(developer.id, developer.email, developer.name);
  }

  /** Whether a verification link is live (GET /verify shows the confirm button). */
  async verificationLinkLive(token: string): Promise<boolean> {
    if (!TOKEN_SHAPE.test(token)) return false;
    return (await this.tokens.peek(sha256(token), 'verify')) !== undefined;
  }

  /** Uses a verification link (once); the developer it verified. */
  async verify(token: string): Promise<string> {
    const developerId = TOKEN_SHAPE.test(token)
      ? await this.tokens.consume(sha256(token), 'verify')
      : undefined;
    if (!developerId) throw AccountErrors.linkInvalid();
    await this.developers.markVerified(developerId);
    return developerId;
  }

  /** Checks email and password (throttled per address and per email); the developer's id. */
  async logIn(emailInput: string, password: string, address: string): Promise<string> {
    const email = normalizeEmail(emailInput);
    await this.limit('login-address', address);
    await this.limit('login-email', emailKey(email));
    const developer =
      email.length > 0 && email.length <= EMAIL_MAX
        ? await this.developers.findByEmail(email)
        : undefined;
    // The dummy hash when there is no account: the same work, the same answer.
    const ok = await this.hasher.verify(developer?.passwordHash, password);
    if (!developer || !ok) throw AccountErrors.badCredentials();
    if (this.hasher.needsRehash(developer.passwordHash))
      await this.developers.setPasswordHash(developer.id, await this.hasher.hash(password));
    return developer.id;
  }

  /** Sends a reset link when the address has an account; the caller answers the same anyway. */
  async forgotPassword(emailInput: string, address: string): Promise<void> {
    const email = normalizeEmail(emailInput);
    if (email.length === 0 || email.length > EMAIL_MAX || !isEmail(email))
      throw AccountErrors.invalidFields([
        { pointer: '/email', detail: 'Enter an email address like name@example.com.' },
      ]);
    await this.limit('account-address', address);
    // Counted for every address, known or not: the same work on both paths.
    const allowed = await this.mailAllowed(email);
    const developer = await this.developers.findByEmail(email);
    if (!developer || !allowed) return;
    const token = await this.issue(developer.id, 'reset', this.env.RESET_LINK_MINUTES * 60_000);
    this.mailer.sendInBackground({
      to: developer.email,
      subject: 'Reset your developer portal password',
      text: [
        `Hello ${developer.name},`,
        '',
        `Open this link within ${this.env.RESET_LINK_MINUTES} minutes to choose a new password (it works once):`,
        '',
        `${this.env.publicUrl}/reset-password?token=${token}`,
        '',
        'If you did not ask for this, you can ignore this mail: your password stays as it is.',
      ].join('\n'),
    });
  }

  async resetLinkLive(token: string): Promise<boolean> {
    if (!TOKEN_SHAPE.test(token)) return false;
    return (await this.tokens.peek(sha256(token), 'reset')) !== undefined;
  }

  /** Sets a new password with a reset link (once); the developer's id (their sessions end). */
  async resetPassword(token: string, password: string): Promise<string> {
    const developerId = TOKEN_SHAPE.test(token)
      ? await this.tokens.peek(sha256(token), 'reset')
      : undefined;
    if (!developerId) throw AccountErrors.linkInvalid();
    const developer = await this.developers.findById(developerId);
    if (!developer) throw AccountErrors.linkInvalid();
    const problems = passwordProblems(password, {
      minLength: this.env.PASSWORD_MIN_LENGTH,
      loginId: developer.email.split('@')[0],
      names: [developer.name],
      labels: { loginId: 'your email address', name: 'your name' },
    });
    if (password.length === 0 || problems.length > 0)
      throw AccountErrors.invalidFields([
        {
          pointer: '/password',
          detail:
            password.length === 0 ? 'Enter a password.' : `Your password ${problems.join('; ')}.`,
        },
      ]);
    // Used only now, so a refused password does not burn the link.
    if ((await this.tokens.consume(sha256(token), 'reset')) !== developerId)
      throw AccountErrors.linkInvalid();
    await this.developers.setPasswordHash(developerId, await this.hasher.hash(password));
    // Whoever knew the old password is signed in no more; the link proves the mailbox.
    await this.developers.markVerified(developerId);
    return developerId;
  }

  private async sendVerification(developerId: string, email: string, name: string): Promise<void> {
    const token = await this.issue(developerId, 'verify', this.env.VERIFY_LINK_HOURS * 3_600_000);
    this.mailer.sendInBackground({
      to: email,
      subject: 'Verify your email for the Digital Banking Developer Portal',
      text: [
        `Welcome, ${name}!`,
        '',
        `Click this link within ${this.env.VERIFY_LINK_HOURS} hours to verify your email address and create your sandbox (it works once):`,
        '',
        `${this.env.publicUrl}/verify?token=${token}`,
        '',
        'If you did not sign up, you can ignore this mail.',
      ].join('\n'),
    });
  }

  /** A new single-use link (the developer's older ones of that kind stop working). */
  private async issue(
    developerId: string,
    purpose: AccountTokenPurpose,
    validMs: number,
  ): Promise<string> {
    const token = randomBytes(32).toString('base64url');
    await this.tokens.retireAll(developerId, purpose);
    await this.tokens.insert(sha256(token), developerId, purpose, new Date(Date.now() + validMs));
    return token;
  }

  private async limit(bucket: ThrottleBucket, key: string): Promise<void> {
    const wait = await this.throttle.hit(bucket, key);
    if (wait > 0) throw PortalErrors.tooManyRequests(wait);
  }

  /** Mails per address are limited silently: the page says the same either way. */
  private async mailAllowed(email: string): Promise<boolean> {
    return (await this.throttle.hit('mail-email', emailKey(email))) === 0;
  }
}

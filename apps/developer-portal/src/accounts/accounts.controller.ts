import { Body, Controller, Get, Post, Query, Req, Res } from '@nestjs/common';
import { ApiExcludeController } from '@nestjs/swagger';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { PortalEnv } from '../config/portal.env';
import { ProvisioningPages } from '../organizations/provisioning.pages';
import { field, fieldErrors, safeNext } from '../web/forms';
import { setPageLocals } from '../web/install-web';
import {
  portalPath,
  sessionCookieOf,
  setSessionCookie,
  signedInOf,
  type PortalRequest,
} from '../web/portal-request';
import { AccountsService } from './accounts.service';
import { SessionService } from './session.service';

/**
 * Sign-up, email verification, log-in, forgot and reset password. Every form is CSRF-checked
 * (CsrfGuard); every sign-in starts a new session id (the old one, if any, ends).
 */
@ApiExcludeController()
@Controller()
export class AccountsController {
  constructor(
    private readonly accounts: AccountsService,
    private readonly sessions: SessionService,
    private readonly provisioning: ProvisioningPages,
    private readonly env: PortalEnv,
  ) {}

  @Get('signup')
  signUpForm(@Req() request: FastifyRequest, @Res() reply: FastifyReply) {
    if (signedInOf(request)) return reply.redirect(portalPath(this.env, '/welcome'), 303);
    return reply.status(200).view('accounts/views/signup', {
      title: 'Sign up',
      values: {},
      minLength: this.env.PASSWORD_MIN_LENGTH,
    });
  }

  @Post('signup')
  async signUp(@Body() body: unknown, @Req() request: FastifyRequest, @Res() reply: FastifyReply) {
    const input = {
      name: field(body, 'name'),
      email: field(body, 'email'),
      password: field(body, 'password'),
    };
    try {
      await this.accounts.signUp(input, request.ip);
    } catch (err) {
      const errors = fieldErrors(err);
      if (!errors) throw err;
      return reply.status(400).view('accounts/views/signup', {
        title: 'Sign up (there is a problem)',
        values: { name: input.name, email: input.email },
        errors,
        minLength: this.env.PASSWORD_MIN_LENGTH,
      });
    }
    return reply.status(200).view('accounts/views/check-mail', {
      title: 'Check your email',
      email: input.email.trim(),
      purpose: 'verify',
    });
  }

  @Get('verify')
  async verifyForm(@Query('token') token: string | undefined, @Res() reply: FastifyReply) {
    const live = await this.accounts.verificationLinkLive(String(token ?? ''));
    return reply.status(live ? 200 : 400).view('accounts/views/verify', {
      title: live ? 'Verify your email' : 'This link does not work',
      token: live ? token : undefined,
    });
  }

  /** Uses the link (once), signs the developer in and sets up the sandbox (or says why not). */
  @Post('verify')
  async verify(@Body() body: unknown, @Req() request: FastifyRequest, @Res() reply: FastifyReply) {
    const developerId = await this.accounts.verify(field(body, 'token'));
    await this.signIn(request, reply, developerId);
    return this.provisioning.provisionAndRender(developerId, reply);
  }

  @Post('verify/resend')
  async resend(@Req() request: FastifyRequest, @Res() reply: FastifyReply) {
    const signedIn = signedInOf(request);
    if (!signedIn) return reply.redirect(portalPath(this.env, '/login'), 303);
    await this.accounts.resendVerification(signedIn.developerId);
    return reply.status(200).view('accounts/views/check-mail', {
      title: 'Check your email',
      email: signedIn.email,
      purpose: 'verify',
    });
  }

  @Get('login')
  loginForm(@Query('next') next: string | undefined, @Res() reply: FastifyReply) {
    return reply.status(200).view('accounts/views/login', {
      title: 'Log in',
      values: {},
      next: safeNext(next, ''),
    });
  }

  @Post('login')
  async login(@Body() body: unknown, @Req() request: FastifyRequest, @Res() reply: FastifyReply) {
    const email = field(body, 'email');
    const next = safeNext(field(body, 'next'), '/welcome');
    let developerId: string;
    try {
      developerId = await this.accounts.logIn(email, field(body, 'password'), request.ip);
    } catch (err) {
      if ((err as { code?: string }).code !== 'PORTAL_BAD_CREDENTIALS') throw err;
      return reply.status(401).view('accounts/views/login', {
        title: 'Log in (there is a problem)',
        values: { email },
        next: next === '/welcome' ? '' : next,
        failed: true,
      });
    }
    await this.signIn(request, reply, developerId);
    return reply.redirect(portalPath(this.env, next), 303);
  }

  @Get('forgot-password')
  forgotForm(@Res() reply: FastifyReply) {
    return reply
      .status(200)
      .view('accounts/views/forgot-password', { title: 'Forgot your password', values: {} });
  }

  @Post('forgot-password')
  async forgot(@Body() body: unknown, @Req() request: FastifyRequest, @Res() reply: FastifyReply) {
    const email = field(body, 'email');
    try {
      await this.accounts.forgotPassword(email, request.ip);
    } catch (err) {
      const errors = fieldErrors(err);
      if (!errors) throw err;
      return reply.status(400).view('accounts/views/forgot-password', {
        title: 'Forgot your password (there is a problem)',
        values: { email },
        errors,
      });
    }
    return reply.status(200).view('accounts/views/check-mail', {
      title: 'Check your email',
      email: email.trim(),
      purpose: 'reset',
    });
  }

  @Get('reset-password')
  async resetForm(@Query('token') token: string | undefined, @Res() reply: FastifyReply) {
    const live = await this.accounts.resetLinkLive(String(token ?? ''));
    return reply.status(live ? 200 : 400).view('accounts/views/reset-password', {
      title: live ? 'Choose a new password' : 'This link does not work',
      token: live ? token : undefined,
      minLength: this.env.PASSWORD_MIN_LENGTH,
    });
  }

  @Post('reset-password')
  async reset(@Body() body: unknown, @Res() reply: FastifyReply) {
    const token = field(body, 'token');
    let developerId: string;
    try {
      developerId = await this.accounts.resetPassword(token, field(body, 'password'));
    } catch (err) {
      const errors = fieldErrors(err);
      if (!errors) throw err;
      return reply.status(400).view('accounts/views/reset-password', {
        title: 'Choose a new password (there is a problem)',
        token,
        errors,
        minLength: this.env.PASSWORD_MIN_LENGTH,
      });
    }
    // Every session of the account ends: whoever knew the old password is out.
    await this.sessions.endAll(developerId);
    return reply.status(200).view('accounts/views/password-changed', { title: 'Password changed' });
  }

  /** A new session id at every sign-in (session fixation): the old session, if any, ends. */
  private async signIn(request: FastifyRequest, reply: FastifyReply, developerId: string) {
    await this.sessions.end(sessionCookieOf(request));
    const { id, signedIn } = await this.sessions.start(developerId);
    setSessionCookie(reply, this.env, id);
    // The page answering this request already belongs to the new session (its CSRF tokens too).
    (request as PortalRequest).portal = signedIn;
    setPageLocals(request, reply, this.env);
  }
}

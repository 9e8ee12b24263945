import { Controller, HttpCode, Post, Req, Res } from '@nestjs/common';
import { ApiExcludeController } from '@nestjs/swagger';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { PortalEnv } from '../config/portal.env';
import { clearSessionCookie, portalPath, sessionCookieOf } from '../web/portal-request';
import { SessionService } from './session.service';

/** `POST /logout` (CSRF-checked like every form): ends the session server-side. */
@ApiExcludeController()
@Controller()
export class LogoutController {
  constructor(
    private readonly sessions: SessionService,
    private readonly env: PortalEnv,
  ) {}

  @Post('logout')
  @HttpCode(303)
  async logout(@Req() request: FastifyRequest, @Res() reply: FastifyReply): Promise<void> {
    await this.sessions.end(sessionCookieOf(request));
    clearSessionCookie(reply, this.env);
    await reply.redirect(portalPath(this.env, '/'), 303);
  }
}

import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import fastifyCookie from '@fastify/cookie';
import fastifyCsrf from '@fastify/csrf-protection';
import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import { Eta } from 'eta';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { SessionService } from '../accounts/session.service';
import { PortalEnv } from '../config/portal.env';
import {
  CSRF_COOKIE,
  cookieOptions,
  sessionCookieOf,
  type PageLocals,
  type PortalRequest,
} from './portal-request';
import { installSecurityHeaders } from './security-headers';
import { webRoot } from './web-root';

/** Forms are small: names, emails, passwords, a few scopes. */
export const FORM_BODY_LIMIT_BYTES = 16 * 1024;

/** What CSRF tokens are bound to before sign-in (a session key is hex: never equal). */
const ANONYMOUS = 'anonymous';

/** Paths that never need a session or a CSRF token (no database work per asset or probe). */
const PLAIN_PATHS = /^\/(assets\/|health\/|metrics(\/|$)|favicon\.ico$)/;

/**
 * Everything the portal needs on top of the platform's HTTP setup: HTML forms, cookies, CSRF
 * tokens, Eta templates, static assets, the session lookup and the security headers.
 */
export function installWeb(app: NestFastifyApplication): void {
  const env = app.get(PortalEnv);
  const sessions = app.get(SessionService);
  const fastify = app.getHttpAdapter().getInstance() as unknown as FastifyInstance;
  const root = webRoot();

  app.useBodyParser('application/x-www-form-urlencoded', { bodyLimit: FORM_BODY_LIMIT_BYTES });
  void app.register(fastifyCookie as never);
  void app.register(
    fastifyCsrf as never,
    {
      sessionPlugin: '@fastify/cookie',
      cookieKey: CSRF_COOKIE,
      cookieOpts: cookieOptions(env),
      // Bound to the session: a token taken before sign-in (or from another session) is refused.
      getUserInfo: (request: FastifyRequest) =>
        (request as PortalRequest).portal?.sessionKey ?? ANONYMOUS,
      csrfOpts: { hmacKey: env.PORTAL_CSRF_KEY ?? randomBytes(32).toString('base64url') },
    } as never,
  );
  app.setViewEngine({
    engine: { eta: new Eta({ views: root, cache: env.NODE_ENV === 'production' }) },
    templates: root,
    viewExt: 'eta',
  } as never);
  app.useStaticAssets({
    root: join(root, 'assets'),
    prefix: '/assets/',
    index: false,
    maxAge: env.NODE_ENV === 'production' ? 3_600_000 : 0,
  } as never);
  // The explore pages' own scripts and styles (apps/developer-portal/src/explore/assets).
  app.useStaticAssets({
    root: join(root, 'explore', 'assets'),
    prefix: '/assets/explore/',
    decorateReply: false,
    index: false,
    maxAge: env.NODE_ENV === 'production' ? 3_600_000 : 0,
  } as never);

  installSecurityHeaders(fastify, env);
  fastify.addHook('preHandler', async (request: FastifyRequest, reply: FastifyReply) => {
    if (PLAIN_PATHS.test(request.url)) return;
    (request as PortalRequest).portal = await sessions.resolve(sessionCookieOf(request));
    setPageLocals(request, reply, env);
  });
}

/**
 * What every template gets (reply.locals): the base path, a CSRF token bound to the request's
 * session, the signed-in developer. Set again after a sign-in within the request.
 */
export function setPageLocals(request: FastifyRequest, reply: FastifyReply, env: PortalEnv): void {
  const signedIn = (request as PortalRequest).portal;
  const generate = (reply as unknown as { generateCsrf(o: { userInfo: string }): string })
    .generateCsrf;
  const locals: PageLocals = {
    base: env.basePath,
    csrfToken: generate.call(reply, { userInfo: signedIn?.sessionKey ?? ANONYMOUS }),
    developer: signedIn,
    path: request.url.split('?')[0] ?? '/',
    catchesMail: env.catchesMail,
  };
  const holder = reply as unknown as { locals?: Record<string, unknown> };
  holder.locals = Object.assign(holder.locals ?? {}, locals);
}

/**
 * Checks the request's CSRF token (form field `_csrf`, or header `x-csrf-token` for scripts)
 * against the secret cookie and the session; @fastify/csrf-protection's own check.
 */
export function csrfValid(fastify: FastifyInstance, request: FastifyRequest): Promise<boolean> {
  const check = (
    fastify as unknown as {
      csrfProtection(
        req: FastifyRequest,
        reply: { send(e: unknown): void },
        next: () => void,
      ): void;
    }
  ).csrfProtection;
  return new Promise((resolve) =>
    check(request, { send: () => resolve(false) }, () => resolve(true)),
  );
}

// The reply's view() and the cookie methods come from these plugins (installWeb registers them).
import type {} from '@fastify/cookie';
import type {} from '@fastify/view';
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { PortalEnv } from '../config/portal.env';
import type { SignedIn } from '../accounts/signed-in';

/** The session cookie: 32 random bytes, base64url; HttpOnly, SameSite=Lax, Secure off localhost. */
export const SESSION_COOKIE = 'portal_session';
/** The CSRF secret cookie (@fastify/csrf-protection's double submit, bound to the session). */
export const CSRF_COOKIE = 'portal_csrf';

/** A request after the portal's session lookup (installWeb's preHandler). */
export type PortalRequest = FastifyRequest & { portal?: SignedIn };

/** Values every template gets (reply.locals, merged by @fastify/view). */
export interface PageLocals {
  /** The path the portal is served under; every link and form action starts with it. */
  base: string;
  /** The CSRF token for this page's forms (`<input type="hidden" name="_csrf">`). */
  csrfToken: string;
  /** The signed-in developer, when there is one. */
  developer?: SignedIn;
  /** The request's path (without the base), for the navigation's aria-current. */
  path: string;
  /** Mail is caught locally: the layout links /dev/mail. */
  catchesMail: boolean;
}

export const signedInOf = (request: FastifyRequest): SignedIn | undefined =>
  (request as PortalRequest).portal;

export const sessionCookieOf = (request: FastifyRequest): string | undefined =>
  request.cookies?.[SESSION_COOKIE];

export function cookieOptions(env: PortalEnv) {
  return {
    path: env.basePath || '/',
    httpOnly: true,
    sameSite: 'lax' as const,
    secure: env.secureCookies,
  };
}

/** Sets the session cookie (a new id at every sign-in). */
export function setSessionCookie(reply: FastifyReply, env: PortalEnv, id: string): void {
  reply.setCookie(SESSION_COOKIE, id, {
    ...cookieOptions(env),
    maxAge: env.SESSION_ABSOLUTE_HOURS * 3600,
  });
}

export function clearSessionCookie(reply: FastifyReply, env: PortalEnv): void {
  reply.clearCookie(SESSION_COOKIE, cookieOptions(env));
}

/** A path inside the portal as the browser sees it (behind the gateway: /portal/...). */
export const portalPath = (env: PortalEnv, path: string): string => `${env.basePath}${path}`;

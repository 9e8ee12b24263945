import type { FastifyInstance } from 'fastify';
import type { PortalEnv } from '../config/portal.env';

/**
 * A strict Content-Security-Policy: no inline script or style anywhere, scripts and styles only
 * from the portal's own /assets, no framing, forms posting only back to the portal. Pages that
 * call the APIs from the browser (try-it) may connect to the auth-server's public origin too.
 */
export function contentSecurityPolicy(env: PortalEnv): string {
  // Try-it on /reference calls the three services from the browser: their own origins when the
  // portal runs on its own (npm start); behind the gateway they share the portal's ('self').
  const apiOrigin = [
    ...new Set(
      [
        env.AUTH_ISSUER,
        ...(env.basePath === '' ? [env.CUSTOMER_SERVICE_URL, env.ACTIVITY_SERVICE_URL] : []),
      ].map((u) => new URL(u).origin),
    ),
  ].join(' ');
  return [
    "default-src 'none'",
    "script-src 'self'",
    "style-src 'self'",
    "img-src 'self' data:",
    "font-src 'self'",
    `connect-src 'self' ${apiOrigin}`,
    "form-action 'self'",
    "frame-ancestors 'none'",
    "base-uri 'none'",
    "object-src 'none'",
  ].join('; ');
}

/** Security headers on every answer; pages are never cached (they carry keys and CSRF tokens). */
export function installSecurityHeaders(fastify: FastifyInstance, env: PortalEnv): void {
  const csp = contentSecurityPolicy(env);
  const assets = '/assets/';
  fastify.addHook('onSend', async (request, reply, payload) => {
    reply.header('Content-Security-Policy', csp);
    reply.header('X-Content-Type-Options', 'nosniff');
    reply.header('X-Frame-Options', 'DENY');
    // Verification and reset links carry their token in the URL: never sent on as a Referer.
    reply.header('Referrer-Policy', 'no-referrer');
    reply.header('Cross-Origin-Opener-Policy', 'same-origin');
    reply.header('Cross-Origin-Resource-Policy', 'same-origin');
    reply.header('Permissions-Policy', 'camera=(), microphone=(), geolocation=(), payment=()');
    if (env.secureCookies) {
      reply.header('Strict-Transport-Security', 'max-age=31536000; includeSubDomains');
    }
    if (!request.url.startsWith(assets)) reply.header('Cache-Control', 'no-store');
    return payload;
  });
}

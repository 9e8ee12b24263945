import type { PortalEnv } from '../config/portal.env';

export type ServiceName = 'auth-server' | 'customer-service' | 'activity-service';

export const SERVICES: readonly ServiceName[] = [
  'auth-server',
  'customer-service',
  'activity-service',
];

/**
 * Where a browser (and a developer's curl) reaches each service.
 *
 * Behind the gateway the portal has a base path (PORTAL_PUBLIC_URL https://gw.example/portal)
 * and every API is on the gateway's origin: try-it calls are same-origin. Run on its own
 * (`npm start`: http://localhost:3004) the services are at their own URLs (AUTH_ISSUER,
 * CUSTOMER_SERVICE_URL, ACTIVITY_SERVICE_URL), and in sandbox mode they answer browsers from
 * loopback origins with CORS (no credentials), so try-it works from the portal's page too.
 */
export function publicApiBases(env: PortalEnv): Record<ServiceName, string> {
  const trim = (u: string) => u.replace(/\/+$/, '');
  if (env.basePath !== '') {
    const origin = new URL(env.publicUrl).origin;
    return { 'auth-server': origin, 'customer-service': origin, 'activity-service': origin };
  }
  return {
    'auth-server': trim(env.AUTH_ISSUER),
    'customer-service': trim(env.CUSTOMER_SERVICE_URL),
    'activity-service': trim(env.ACTIVITY_SERVICE_URL),
  };
}

/** The origins a page calling the APIs from the browser must be allowed to connect to. */
export function apiOrigins(env: PortalEnv): string[] {
  return [...new Set(Object.values(publicApiBases(env)).map((u) => new URL(u).origin))];
}

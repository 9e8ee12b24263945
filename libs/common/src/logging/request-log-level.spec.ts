import type { IncomingMessage } from 'node:http';
import { isQuietPath, requestLogLevel } from './logging.module';

describe('request log level', () => {
  const req = (url: string, originalUrl?: string) =>
    ({ url, originalUrl, method: 'GET' }) as unknown as IncomingMessage;
  const res = (statusCode: number) => ({ statusCode });

  it('logs health probes, the revocation feed and the JWKS at debug', () => {
    for (const url of [
      '/health',
      '/health/live',
      '/health/ready',
      '/oauth2/v1/revocations',
      '/oauth2/v1/revocations?since=2026-01-01T00:00:00Z',
      '/.well-known/jwks.json',
    ]) {
      expect(requestLogLevel(req(url), res(200))).toBe('debug');
      expect(requestLogLevel(req(url), res(401))).toBe('debug');
    }
    // Fastify's middleware sees the URL relative to its route; the full one is originalUrl.
    expect(requestLogLevel(req('/', '/oauth2/v1/revocations?since=x'), res(200))).toBe('debug');
  });

  it('logs any other request at info', () => {
    for (const url of [
      '/oauth2/v1/token',
      '/oauth2/v1/revoke',
      '/healthy',
      '/.well-known/oauth-authorization-server',
      '/customers/v2/registrations?health=1',
    ]) {
      expect(isQuietPath(url.split('?')[0]!)).toBe(false);
      expect(requestLogLevel(req(url), res(200))).toBe('info');
      expect(requestLogLevel(req(url), res(404))).toBe('info');
    }
  });

  it('logs failures at error, on quiet paths too', () => {
    expect(requestLogLevel(req('/health/ready'), res(503))).toBe('error');
    expect(requestLogLevel(req('/oauth2/v1/revocations'), res(500))).toBe('error');
    expect(requestLogLevel(req('/oauth2/v1/token'), res(502))).toBe('error');
    expect(requestLogLevel(req('/.well-known/jwks.json'), res(200), new Error('reset'))).toBe(
      'error',
    );
    expect(requestLogLevel(req('/oauth2/v1/token'), { statusCode: 200, err: new Error('x') })).toBe(
      'error',
    );
  });
});

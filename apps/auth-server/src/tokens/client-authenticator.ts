import { Injectable, Optional } from '@nestjs/common';
import { AuthMetrics } from './auth.metrics';
import type { ClientEntity } from '../clients/client.entity';
import { ClientsService } from '../clients/clients.service';
import { FailedAuthThrottle } from './failed-auth.throttle';
import type { FormParams } from './form';
import { OAuthError, invalidRequest } from './oauth.error';

interface Credentials {
  clientId: string;
  clientSecret: string;
  method: 'client_secret_basic' | 'client_secret_post';
}

/** RFC 6749 §2.3.1: the Basic credentials are form-urlencoded before base64. */
function parseBasic(header: string): { clientId: string; clientSecret: string } {
  const decoded = Buffer.from(header.slice(6).trim(), 'base64').toString('utf8');
  const colon = decoded.indexOf(':');
  if (colon < 0) throw basicFailure('The Basic credentials are malformed.');
  try {
    const formDecode = (s: string) => decodeURIComponent(s.replace(/\+/g, ' '));
    return {
      clientId: formDecode(decoded.slice(0, colon)),
      clientSecret: formDecode(decoded.slice(colon + 1)),
    };
  } catch {
    throw basicFailure('The Basic credentials are malformed.');
  }
}

const basicFailure = (description: string) =>
  new OAuthError('invalid_client', description, 401, {
    'WWW-Authenticate': 'Basic realm="oauth2", charset="UTF-8"',
  });

/**
 * Authenticates the calling client by HTTP Basic or by client_id/client_secret in the body
 * (never both), behind the failed-authentication throttle.
 */
@Injectable()
export class ClientAuthenticator {
  constructor(
    private readonly clients: ClientsService,
    private readonly throttle: FailedAuthThrottle,
    @Optional() private readonly metrics?: AuthMetrics,
  ) {}

  /**
   * `authorization`: the request's Authorization header; `ip`: the caller's address, which
   * keys the failure throttle.
   */
  async authenticate(
    authorization: string | undefined,
    params: FormParams,
    ip: string,
  ): Promise<ClientEntity> {
    const credentials = this.credentials(authorization, params);
    const retryAfter = await this.throttle.clientAuthRetryAfter(
      credentials?.clientId,
      ip,
      // A password grant's own throttle is read in the same query (TokenService takes it).
      params.grant_type === 'password' ? params : undefined,
    );
    if (retryAfter > 0) {
      this.metrics?.failed('client throttled');
      throw new OAuthError(
        'temporarily_unavailable',
        'Too many failed client authentications; retry later.',
        429,
        {
          'Retry-After': String(retryAfter),
        },
      );
    }
    const fail = async (reason: string, description: string): Promise<never> => {
      this.metrics?.failed(`client ${reason}`);
      await this.throttle.recordClientAuthFailure(credentials?.clientId, ip, reason);
      if (credentials?.method === 'client_secret_basic') throw basicFailure(description);
      throw new OAuthError('invalid_client', description, 401);
    };
    if (!credentials) return fail('no credentials', 'Client authentication is required.');

    // Verified even for unknown ids so that timing does not tell which client ids exist; the
    // previous secret of a rotation is accepted until it expires.
    const { client, ok } = await this.clients.authenticate(
      credentials.clientId,
      credentials.clientSecret,
    );
    if (!client || !ok)
      return fail(
        client ? 'wrong secret' : 'unknown or disabled client',
        'Client authentication failed.',
      );
    return client;
  }

  private credentials(header: string | undefined, params: FormParams): Credentials | undefined {
    const basic = header && /^basic /i.test(header) ? parseBasic(header) : undefined;
    if (header && !basic)
      throw invalidRequest(
        'Only HTTP Basic client authentication is accepted in the Authorization header.',
      );
    if (basic) {
      if (params.client_secret !== undefined)
        throw invalidRequest('Use one client authentication method, not two.');
      if (params.client_id !== undefined && params.client_id !== basic.clientId) {
        throw invalidRequest('client_id does not match the Basic credentials.');
      }
      return { ...basic, method: 'client_secret_basic' };
    }
    if (params.client_id === undefined) return undefined;
    if (params.client_secret === undefined)
      return { clientId: params.client_id, clientSecret: '', method: 'client_secret_post' };
    return {
      clientId: params.client_id,
      clientSecret: params.client_secret,
      method: 'client_secret_post',
    };
  }
}

import { Injectable } from '@nestjs/common';
import { DomainError } from '@app/common';
import type { FastifyReply } from 'fastify';
import { PortalEnv } from '../config/portal.env';
import { ProvisioningService } from './provisioning.service';

/**
 * Runs provisioning for a request and renders its outcome: the keys (the Secret Key once, on
 * this no-store page), or why it stopped with a button that continues it.
 */
@Injectable()
export class ProvisioningPages {
  constructor(
    private readonly provisioning: ProvisioningService,
    private readonly env: PortalEnv,
  ) {}

  async provisionAndRender(developerId: string, reply: FastifyReply): Promise<FastifyReply> {
    try {
      const keys = await this.provisioning.provision(developerId);
      return reply.status(200).view('organizations/views/welcome', {
        title: 'Your sandbox is ready',
        keys,
        tokenUrl: `${this.env.AUTH_ISSUER.replace(/\/$/, '')}/oauth2/v1/token`,
        sampleCustomers: sampleCustomers(keys.customers),
      });
    } catch (err) {
      if (
        err instanceof DomainError &&
        ['PORTAL_PROVISIONING_FAILED', 'PORTAL_PROVISIONING_BUSY'].includes(err.code)
      ) {
        return reply.status(err.status).view('organizations/views/provisioning', {
          title: 'Finish setting up your sandbox',
          problem: err.detail,
        });
      }
      throw err;
    }
  }
}

interface SampleCustomers {
  samplePassword?: string;
  customers: { loginId: string; userType?: string; institutionCustomerId?: string }[];
}

/** The customer seed's summary, when it has the documented shape. */
export function sampleCustomers(summary: unknown): SampleCustomers | undefined {
  const s = summary as { samplePassword?: unknown; customers?: unknown } | undefined;
  if (!s || !Array.isArray(s.customers)) return undefined;
  return {
    samplePassword: typeof s.samplePassword === 'string' ? s.samplePassword : undefined,
    customers: s.customers.filter(
      (c): c is SampleCustomers['customers'][number] =>
        typeof (c as { loginId?: unknown })?.loginId === 'string',
    ),
  };
}

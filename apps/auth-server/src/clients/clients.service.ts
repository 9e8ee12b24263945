import { randomBytes, randomUUID } from 'node:crypto';
import { Injectable } from '@nestjs/common';
import { AuthEnv } from '../config/auth.env';
import { AuthErrors } from './auth.errors';
import { ClientSecretHasher, generateClientSecret } from './client-secret';
import type { ClientEntity, GrantType } from './client.entity';
import { ClientsRepository } from './clients.repository';

export interface NewClient {
  institutionId: string;
  name: string;
  scopes: string[];
  defaultScopes?: string[];
  grantTypes: GrantType[];
}

export interface ClientWithSecret {
  client: ClientEntity;
  clientSecret: string;
}

/** Client records: creation with a server-made secret, lookup for authentication, lifecycle. */
@Injectable()
export class ClientsService {
  readonly hasher: ClientSecretHasher;
  // The token endpoint's hot path reads a client per request; CLIENT_CACHE_TTL_MS bounds staleness.
  private readonly cache = new Map<string, { client: ClientEntity | null; at: number }>();

  constructor(
    private readonly repo: ClientsRepository,
    private readonly env: AuthEnv,
  ) {
    this.hasher = new ClientSecretHasher(env.CLIENT_SECRET_PEPPER);
  }

  /** The active client with this id, or null (unknown or disabled). */
  async findActive(clientId: string): Promise<ClientEntity | null> {
    const hit = this.cache.get(clientId);
    if (hit && Date.now() - hit.at < this.env.CLIENT_CACHE_TTL_MS) return hit.client;
    const client = await this.repo.findActive(clientId);
    if (this.cache.size > 10_000) this.cache.clear();
    this.cache.set(clientId, { client, at: Date.now() });
    return client;
  }

  async create(input: NewClient): Promise<ClientWithSecret> {
    const clientSecret = generateClientSecret();
    const clientId = `cl_${randomBytes(12).toString('hex')}`;
    await this.repo.insert({
      id: randomUUID(),
      clientId,
      secretHash: this.hasher.hash(clientSecret),
      institutionId: input.institutionId,
      name: input.name,
      allowedScopes: input.scopes,
      defaultScopes: input.defaultScopes ?? input.scopes,
      grantTypes: input.grantTypes,
      status: 'active',
      secretRotatedAt: null,
      disabledAt: null,
    });
    return { client: await this.get(clientId), clientSecret };
  }

  /**
   * Makes a client exist exactly as configured (the platform admin and sandbox clients named
   * in the environment); the secret comes from the operator, its hash is what is stored.
   */
  async ensure(clientId: string, secret: string, input: NewClient): Promise<void> {
    const fields = {
      secretHash: this.hasher.hash(secret),
      institutionId: input.institutionId,
      name: input.name,
      allowedScopes: input.scopes,
      defaultScopes: input.defaultScopes ?? input.scopes,
      grantTypes: input.grantTypes,
      status: 'active' as const,
      disabledAt: null,
    };
    const existing = await this.repo.find(clientId);
    if (existing) await this.repo.update(existing.id, fields);
    else await this.repo.insert({ id: randomUUID(), clientId, secretRotatedAt: null, ...fields });
    this.cache.delete(clientId);
  }

  async get(clientId: string, institutionId?: string): Promise<ClientEntity> {
    const client = await this.repo.find(clientId, institutionId);
    if (!client) throw AuthErrors.clientNotFound(clientId);
    return client;
  }

  /** Keyset page ordered by client id. */
  list(filter: { institutionId?: string; after?: string; limit: number }): Promise<ClientEntity[]> {
    return this.repo.list(filter);
  }

  /** The old secret stops working at once (this instance) or within CLIENT_CACHE_TTL_MS (others). */
  async rotateSecret(clientId: string, institutionId?: string): Promise<ClientWithSecret> {
    const client = await this.get(clientId, institutionId);
    const clientSecret = generateClientSecret();
    await this.repo.update(client.id, {
      secretHash: this.hasher.hash(clientSecret),
      secretRotatedAt: new Date(),
    });
    this.cache.delete(clientId);
    return { client: await this.get(clientId), clientSecret };
  }

  async disable(clientId: string, institutionId?: string): Promise<ClientEntity> {
    const client = await this.get(clientId, institutionId);
    if (client.status !== 'disabled') {
      await this.repo.update(client.id, { status: 'disabled', disabledAt: new Date() });
    }
    this.cache.delete(clientId);
    return this.get(clientId);
  }
}

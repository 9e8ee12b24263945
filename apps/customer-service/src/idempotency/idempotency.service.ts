import { createHmac } from 'node:crypto';
import { Injectable } from '@nestjs/common';
import { SecretBox } from '@app/common';
import { CustomerEnv } from '../config/customer.env';
import { CustomerErrors } from '../customers/customer.errors';
import { SsnCipher } from '../customers/ssn-cipher';
import type { GatedStatement } from '../persistence/unit-of-work';
import type { IdempotencyRecordEntity } from './idempotency-record.entity';
import { IdempotencyRepository } from './idempotency.repository';

export interface StoredResponse {
  status: number;
  headers: Record<string, string>;
  body: unknown;
}

export interface IdempotencyScope {
  clientId: string;
  institutionId: string;
  key: string;
}

export type IdempotencyClaim =
  { kind: 'claimed'; scope: IdempotencyScope } | { kind: 'replay'; response: StoredResponse };

/** How long an in-flight claim holds before it counts as abandoned by a crashed instance. */
const LEASE_SECONDS = 60;

/** Binds a sealed response to its record: copied to another row, it does not open. */
const aad = (clientId: string, key: string) => `${clientId}\n${key}`;

/** Sorted keys, so the same JSON sent with its members in another order is the same request. */
function canonicalJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`;
  if (value && typeof value === 'object') {
    const entries = Object.entries(value as Record<string, unknown>)
      .filter(([, v]) => v !== undefined)
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonicalJson(v)}`).join(',')}}`;
  }
  return JSON.stringify(value) ?? 'null';
}

/**
 * `Idempotency-Key` (draft-ietf-httpapi-idempotency-key-header), scoped to the calling client:
 * the first request claims the key; a retry with the same body gets the stored response again;
 * the same key with another body is 422; a retry while the first is running is 409. The
 * response is stored in the transaction that made the change, so a stored response always
 * means the change happened. A failed request releases its key, so it can be retried.
 * Stored bodies are sealed: a registration's answer is the customer's profile.
 */
@Injectable()
export class IdempotencyService {
  private readonly hmacKey: Buffer;
  private readonly responses: SecretBox;

  constructor(
    private readonly records: IdempotencyRepository,
    private readonly env: CustomerEnv,
    ssn: SsnCipher,
  ) {
    this.hmacKey = ssn.deriveKey('idempotency-fingerprint');
    this.responses = new SecretBox(ssn.deriveKey('idempotency-response'));
  }

  /** The key from the header (an RFC 8941 string, quoted or not), or undefined when absent. */
  static parseKey(header: string | string[] | undefined): string | undefined {
    if (header === undefined) return undefined;
    if (Array.isArray(header)) throw CustomerErrors.idempotencyKeyInvalid();
    const unquoted = /^"(.*)"$/.exec(header)?.[1] ?? header;
    if (!/^[\x21-\x7e]{1,255}$/.test(unquoted)) throw CustomerErrors.idempotencyKeyInvalid();
    return unquoted;
  }

  /** A keyed hash of the request: the body may hold a password, which a plain hash would leak. */
  fingerprint(method: string, path: string, body: unknown): string {
    return createHmac('sha256', this.hmacKey)
      .update(`${method} ${path}\n${canonicalJson(body)}`)
      .digest('base64url');
  }

  async claim(
    clientId: string,
    institutionId: string,
    key: string,
    fingerprint: string,
  ): Promise<IdempotencyClaim> {
    const scope = { clientId, institutionId, key };
    // A claim removed by a failing request between our two statements: simply try again.
    for (let attempt = 0; attempt < 3; attempt++) {
      const claimed = await this.records.claim({
        clientId,
        institutionId,
        key,
        fingerprint,
        leaseSeconds: LEASE_SECONDS,
        ttlHours: this.env.IDEMPOTENCY_TTL_HOURS,
      });
      if (claimed) return { kind: 'claimed', scope };

      const existing = await this.records.find(clientId, key);
      if (!existing) continue;
      if (existing.requestHash !== fingerprint) throw CustomerErrors.idempotencyKeyReused();
      if (existing.state === 'inFlight') throw CustomerErrors.idempotencyInFlight();
      return {
        kind: 'replay',
        response: {
          status: existing.responseStatus ?? 200,
          headers: existing.responseHeaders ?? {},
          body: this.openBody(existing),
        },
      };
    }
    throw CustomerErrors.idempotencyInFlight();
  }

  /** Stores the response; called in the unit of work of the change itself. */
  async complete(scope: IdempotencyScope, response: StoredResponse): Promise<void> {
    await this.records.complete(scope.clientId, scope.key, this.stored(scope, response));
  }

  /** `complete` as a part of the change's own single statement (UnitOfWork.together). */
  completeStatement(scope: IdempotencyScope, response: StoredResponse): GatedStatement {
    return this.records.completeStatement(scope.clientId, scope.key, this.stored(scope, response));
  }

  private stored(scope: IdempotencyScope, response: StoredResponse) {
    return {
      status: response.status,
      headers: response.headers,
      bodySealed:
        response.body === undefined
          ? null
          : this.responses.seal(JSON.stringify(response.body), aad(scope.clientId, scope.key)),
    };
  }

  private openBody(record: IdempotencyRecordEntity): unknown {
    if (record.responseBodySealed === null) return undefined;
    const json = this.responses.open(
      record.responseBodySealed,
      aad(record.clientId, record.idempotencyKey),
    );
    return JSON.parse(json.toString('utf8')) as unknown;
  }

  /** Frees the key after a failed request: nothing happened, so the client may try again. */
  async release(scope: IdempotencyScope): Promise<void> {
    await this.records.release(scope.clientId, scope.key);
  }
}

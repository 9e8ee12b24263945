import { Injectable } from '@nestjs/common';
import { UnitOfWork, type GatedStatement } from '../persistence/unit-of-work';
import { IdempotencyRecordEntity } from './idempotency-record.entity';

export interface NewClaim {
  clientId: string;
  institutionId: string;
  key: string;
  fingerprint: string;
  leaseSeconds: number;
  ttlHours: number;
}

/** The `idempotency_records` table. */
@Injectable()
export class IdempotencyRepository {
  constructor(private readonly uow: UnitOfWork) {}

  /**
   * Claims the key for a new request in one statement: a free key, an expired record, or an
   * in-flight claim of the same request whose lease ran out (its instance crashed) is taken.
   * Returns whether this request holds it now.
   */
  async claim(c: NewClaim): Promise<boolean> {
    const claimed = (await this.uow.manager.query(
      `INSERT INTO idempotency_records
         (client_id, idempotency_key, institution_id, request_hash, state, locked_until,
          created_at, expires_at)
       VALUES ($1, $2, $3, $4, 'inFlight', now() + make_interval(secs => $5),
               now(), now() + make_interval(hours => $6))
       ON CONFLICT (client_id, idempotency_key) DO UPDATE
         SET institution_id = EXCLUDED.institution_id,
             request_hash = EXCLUDED.request_hash,
             state = 'inFlight',
             locked_until = EXCLUDED.locked_until,
             created_at = EXCLUDED.created_at,
             expires_at = EXCLUDED.expires_at,
             response_status = NULL,
             response_headers = NULL,
             response_body_sealed = NULL
         WHERE idempotency_records.expires_at <= now()
            OR (idempotency_records.state = 'inFlight'
                AND idempotency_records.locked_until <= now()
                AND idempotency_records.request_hash = EXCLUDED.request_hash)
       RETURNING client_id`,
      [c.clientId, c.key, c.institutionId, c.fingerprint, c.leaseSeconds, c.ttlHours],
    )) as unknown[];
    return claimed.length === 1;
  }

  async find(clientId: string, key: string): Promise<IdempotencyRecordEntity | undefined> {
    const record = await this.uow.manager.findOneBy(IdempotencyRecordEntity, {
      clientId,
      idempotencyKey: key,
    });
    return record ?? undefined;
  }

  async complete(
    clientId: string,
    key: string,
    response: { status: number; headers: Record<string, string>; bodySealed: string | null },
  ): Promise<void> {
    await this.uow.manager.update(
      IdempotencyRecordEntity,
      { clientId, idempotencyKey: key },
      {
        state: 'completed',
        responseStatus: response.status,
        responseHeaders: response.headers,
        responseBodySealed: response.bodySealed,
      },
    );
  }

  /** `complete` as a part of one statement (UnitOfWork.together), applied when `gate` holds. */
  completeStatement(
    clientId: string,
    key: string,
    response: { status: number; headers: Record<string, string>; bodySealed: string | null },
  ): GatedStatement {
    return (gate) => ({
      sql: `UPDATE idempotency_records
               SET state = 'completed', response_status = $3::integer,
                   response_headers = $4::jsonb, response_body_sealed = $5::text
             WHERE client_id = $1 AND idempotency_key = $2 AND ${gate}`,
      params: [
        clientId,
        key,
        response.status,
        JSON.stringify(response.headers),
        response.bodySealed,
      ],
    });
  }

  /** Deletes an in-flight claim (never a completed record). */
  async release(clientId: string, key: string): Promise<void> {
    await this.uow.manager.query(
      `DELETE FROM idempotency_records
        WHERE client_id = $1 AND idempotency_key = $2 AND state = 'inFlight'`,
      [clientId, key],
    );
  }
}

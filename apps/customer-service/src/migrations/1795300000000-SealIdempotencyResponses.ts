import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Idempotency records keep their response body sealed instead of as plain jsonb (a
 * registration's answer is the customer's profile). Completed records from before hold plain
 * bodies and cannot be sealed here (the key lives in the service's config), so they go: a retry
 * of such a request runs again, and registration answers it with 409 CUS_LOGIN_ID_TAKEN.
 */
export class SealIdempotencyResponses1795300000000 implements MigrationInterface {
  name = 'SealIdempotencyResponses1795300000000';

  public async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(
      `DELETE FROM "customer"."idempotency_records" WHERE "response_body" IS NOT NULL`,
    );
    await queryRunner.query(
      `ALTER TABLE "customer"."idempotency_records" DROP COLUMN "response_body"`,
    );
    await queryRunner.query(
      `ALTER TABLE "customer"."idempotency_records" ADD "response_body_sealed" text`,
    );
  }

  public async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(
      `ALTER TABLE "customer"."idempotency_records" DROP COLUMN "response_body_sealed"`,
    );
    await queryRunner.query(
      `ALTER TABLE "customer"."idempotency_records" ADD "response_body" jsonb`,
    );
  }
}

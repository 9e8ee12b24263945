import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Counters of rate-limiter-flexible's RateLimiterPostgres (failed client authentications and
 * failed password grants), shared by every auth-server instance. The library would create this
 * table itself; it runs with `tableCreated: true` instead, so the layout is the one it expects
 * (its INSERT names no columns: key, points, expire in this order; expire in epoch ms).
 */
export class RateLimits1795300000000 implements MigrationInterface {
  name = 'RateLimits1795300000000';

  public async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`
            CREATE TABLE "auth"."rate_limits" (
                "key" varchar(255) NOT NULL,
                "points" integer NOT NULL DEFAULT 0,
                "expire" bigint,
                CONSTRAINT "PK_rate_limits" PRIMARY KEY ("key")
            )
        `);
    // The library's periodic clean-up deletes by expiry.
    await queryRunner.query(`
            CREATE INDEX "IDX_rate_limits_expire" ON "auth"."rate_limits" ("expire")
        `);
  }

  public async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`DROP TABLE "auth"."rate_limits"`);
  }
}

import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Registration throttling moves to rate-limiter-flexible's RateLimiterPostgres, as the
 * auth-server's failure limits: its table, in the layout the library expects (its INSERT names
 * no columns: key, points, expire in this order; expire in epoch ms), created here because the
 * service runs it with `tableCreated: true`. The fixed windows of the old counter go; counts in
 * flight are lost, which at worst lets a client register a window's worth again once.
 */
export class RegistrationRateLimits1796200000000 implements MigrationInterface {
  name = 'RegistrationRateLimits1796200000000';

  public async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`
            CREATE TABLE "customer"."rate_limits" (
                "key" varchar(255) NOT NULL,
                "points" integer NOT NULL DEFAULT 0,
                "expire" bigint,
                CONSTRAINT "PK_rate_limits" PRIMARY KEY ("key")
            )
        `);
    // Housekeeping deletes by expiry.
    await queryRunner.query(`
            CREATE INDEX "IDX_rate_limits_expire" ON "customer"."rate_limits" ("expire")
        `);
    await queryRunner.query(`DROP TABLE "customer"."rate_limit_windows"`);
  }

  public async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`
            CREATE TABLE "customer"."rate_limit_windows" (
                "bucket" text NOT NULL,
                "hits" integer NOT NULL,
                "window_ends_at" TIMESTAMP WITH TIME ZONE NOT NULL,
                CONSTRAINT "PK_d5e79287fcc93bcad0333620045" PRIMARY KEY ("bucket")
            )
        `);
    await queryRunner.query(`
            CREATE INDEX "IDX_rate_limit_windows_ends" ON "customer"."rate_limit_windows" ("window_ends_at")
        `);
    await queryRunner.query(`DROP TABLE "customer"."rate_limits"`);
  }
}

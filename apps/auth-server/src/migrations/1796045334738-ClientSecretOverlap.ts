import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Secret rotation with an overlap (the previous secret's keyed hash and when it stops working)
 * and when each client last got a token. Nullable columns: no rewrite of existing rows.
 */
export class ClientSecretOverlap1796045334738 implements MigrationInterface {
  name = 'ClientSecretOverlap1796045334738';

  public async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`
            ALTER TABLE "auth"."clients"
                ADD "previous_secret_hash" text,
                ADD "previous_secret_expires_at" TIMESTAMP WITH TIME ZONE,
                ADD "last_used_at" TIMESTAMP WITH TIME ZONE
        `);
  }

  public async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`
            ALTER TABLE "auth"."clients"
                DROP COLUMN "last_used_at",
                DROP COLUMN "previous_secret_expires_at",
                DROP COLUMN "previous_secret_hash"
        `);
  }
}

import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Hourly and daily delivery files, written by hand (read and written with SQL through pg, like
 * activity.events; no entities):
 *
 * - `delivery_files`: one row per built file: its window (commit time), the feed positions it
 *   covers (from_position exclusive, to_position inclusive: the next file of the subscription
 *   starts where this one ended, so a batch that commits late lands in the next file), its size,
 *   digest and signed manifest. One file per subscription and window, replays apart.
 * - `delivery_file_chunks`: the gzip bytes in chunks of about 1 MiB, so that any replica can
 *   serve a download or an SFTP upload without the file ever being whole in memory.
 * - `delivery_signing_keys`: the Ed25519 keys that sign manifests, private halves sealed
 *   (AES-256-GCM under ACTIVITY_DELIVERY_KEY_ENCRYPTION_KEY), public ones served as a JWKS.
 *
 * Files are purged past the look-back window by the service (delivery/files/files.purger.ts);
 * deleting a subscription deletes its files.
 */
export class DeliveryFiles1796039300000 implements MigrationInterface {
  name = 'DeliveryFiles1796039300000';

  public async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`
            CREATE TABLE "activity"."delivery_files" (
                "id" uuid NOT NULL,
                "subscription_id" uuid NOT NULL REFERENCES "activity"."delivery_subscriptions" ("id") ON DELETE CASCADE,
                "institution_id" text NOT NULL,
                "sequence" bigint,
                "window_start" TIMESTAMP WITH TIME ZONE NOT NULL,
                "window_end" TIMESTAMP WITH TIME ZONE NOT NULL,
                "replay" boolean NOT NULL DEFAULT false,
                "from_position" bigint NOT NULL,
                "to_position" bigint NOT NULL,
                "format" text NOT NULL CHECK ("format" IN ('ndjson', 'csv')),
                "name" text NOT NULL,
                "folder" text NOT NULL,
                "count" integer NOT NULL DEFAULT 0,
                "bytes" bigint NOT NULL DEFAULT 0,
                "sha256" text,
                "manifest" text,
                "created_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT clock_timestamp(),
                CONSTRAINT "PK_delivery_files" PRIMARY KEY ("id"),
                CONSTRAINT "CHK_delivery_files_window" CHECK ("window_end" > "window_start"),
                CONSTRAINT "CHK_delivery_files_positions" CHECK ("to_position" >= "from_position")
            )
        `);
    // One regular file per subscription and window: a retried build finds the first one.
    await queryRunner.query(`
            CREATE UNIQUE INDEX "UQ_delivery_files_window" ON "activity"."delivery_files" ("subscription_id", "window_start", "window_end") WHERE NOT "replay"
        `);
    // The pull listing (newest first) and where the next file starts.
    await queryRunner.query(`
            CREATE INDEX "IDX_delivery_files_subscription" ON "activity"."delivery_files" ("subscription_id", "window_end", "id")
        `);
    // The purge past the look-back window.
    await queryRunner.query(`
            CREATE INDEX "IDX_delivery_files_created" ON "activity"."delivery_files" ("created_at")
        `);
    await queryRunner.query(`
            CREATE TABLE "activity"."delivery_file_chunks" (
                "file_id" uuid NOT NULL REFERENCES "activity"."delivery_files" ("id") ON DELETE CASCADE,
                "chunk_no" integer NOT NULL,
                "data" bytea NOT NULL,
                CONSTRAINT "PK_delivery_file_chunks" PRIMARY KEY ("file_id", "chunk_no")
            )
        `);
    // Already compressed: no point in TOAST compressing it again.
    await queryRunner.query(
      `ALTER TABLE "activity"."delivery_file_chunks" ALTER COLUMN "data" SET STORAGE EXTERNAL`,
    );
    await queryRunner.query(`
            CREATE TABLE "activity"."delivery_signing_keys" (
                "kid" text NOT NULL,
                "public_jwk" jsonb NOT NULL,
                "private_key_sealed" text NOT NULL,
                "created_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT clock_timestamp(),
                "retired_at" TIMESTAMP WITH TIME ZONE,
                CONSTRAINT "PK_delivery_signing_keys" PRIMARY KEY ("kid")
            )
        `);
  }

  public async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`DROP TABLE "activity"."delivery_signing_keys"`);
    await queryRunner.query(`DROP TABLE "activity"."delivery_file_chunks"`);
    await queryRunner.query(`DROP TABLE "activity"."delivery_files"`);
  }
}

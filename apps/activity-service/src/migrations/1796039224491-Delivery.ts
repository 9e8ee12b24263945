import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Delivery subscriptions and their durable queue, written by hand (used with SQL through pg
 * like activity.events; no entities). A subscription keeps its own place in the commit-ordered
 * feed (cursor_position, cursor_seq) and its last delivery sequence; `deliveries` is the queue
 * every replica claims from with FOR UPDATE SKIP LOCKED, one row per delivery (its id is the
 * webhook-id, kept across retries), and `delivery_attempts` the log of each try. Webhook
 * secrets and SFTP credentials are sealed (AES-256-GCM, DELIVERY_SECRET_KEY) before they reach
 * these tables.
 */
export class Delivery1796039224491 implements MigrationInterface {
  name = 'Delivery1796039224491';

  public async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`
            CREATE TABLE "activity"."delivery_subscriptions" (
                "id" uuid NOT NULL,
                "institution_id" text NOT NULL,
                "name" text NOT NULL,
                "cadence" text NOT NULL CHECK ("cadence" IN ('realtime', 'hourly', 'daily')),
                "time_zone" text NOT NULL DEFAULT 'UTC',
                "filter" jsonb NOT NULL,
                "requested_attributes" text[],
                "format" text NOT NULL DEFAULT 'ndjson' CHECK ("format" IN ('ndjson', 'csv')),
                "destination" jsonb NOT NULL,
                "destination_sealed" text,
                "secret_sealed" text,
                "previous_secret_sealed" text,
                "previous_secret_expires_at" TIMESTAMP WITH TIME ZONE,
                "status" text NOT NULL DEFAULT 'active' CHECK ("status" IN ('active', 'paused')),
                "paused_reason" text,
                "failing_since" TIMESTAMP WITH TIME ZONE,
                "cursor_position" bigint NOT NULL,
                "cursor_seq" bigint,
                "last_sequence" bigint NOT NULL DEFAULT 0,
                "last_window_end" TIMESTAMP WITH TIME ZONE,
                "created_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(),
                "updated_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(),
                CONSTRAINT "PK_delivery_subscriptions" PRIMARY KEY ("id")
            )
        `);
    await queryRunner.query(`
            CREATE INDEX "IDX_delivery_subscriptions_institution" ON "activity"."delivery_subscriptions" ("institution_id", "created_at", "id")
        `);
    await queryRunner.query(`
            CREATE TABLE "activity"."deliveries" (
                "id" uuid NOT NULL,
                "subscription_id" uuid NOT NULL REFERENCES "activity"."delivery_subscriptions" ("id") ON DELETE CASCADE,
                "institution_id" text NOT NULL,
                "sequence" bigint,
                "previous_sequence" bigint,
                "type" text NOT NULL CHECK ("type" IN ('batch', 'file', 'test')),
                "replay" boolean NOT NULL DEFAULT false,
                "count" integer NOT NULL DEFAULT 0,
                "payload" text,
                "window_start" TIMESTAMP WITH TIME ZONE,
                "window_end" TIMESTAMP WITH TIME ZONE,
                "status" text NOT NULL DEFAULT 'pending' CHECK ("status" IN ('pending', 'delivered', 'failed')),
                "attempt_count" integer NOT NULL DEFAULT 0,
                "next_attempt_at" TIMESTAMP WITH TIME ZONE,
                "created_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT clock_timestamp(),
                "delivered_at" TIMESTAMP WITH TIME ZONE,
                CONSTRAINT "PK_deliveries" PRIMARY KEY ("id"),
                CONSTRAINT "UQ_deliveries_sequence" UNIQUE ("subscription_id", "sequence")
            )
        `);
    // The dispatcher's claim: due pending deliveries only.
    await queryRunner.query(`
            CREATE INDEX "IDX_deliveries_due" ON "activity"."deliveries" ("next_attempt_at") WHERE "status" = 'pending'
        `);
    // The delivery log, newest first, keyset (created_at, id).
    await queryRunner.query(`
            CREATE INDEX "IDX_deliveries_log" ON "activity"."deliveries" ("subscription_id", "created_at", "id")
        `);
    await queryRunner.query(`
            CREATE TABLE "activity"."delivery_attempts" (
                "id" bigserial NOT NULL,
                "delivery_id" uuid NOT NULL REFERENCES "activity"."deliveries" ("id") ON DELETE CASCADE,
                "at" TIMESTAMP WITH TIME ZONE NOT NULL,
                "status_code" integer,
                "duration_ms" integer NOT NULL,
                "error" text,
                CONSTRAINT "PK_delivery_attempts" PRIMARY KEY ("id")
            )
        `);
    await queryRunner.query(`
            CREATE INDEX "IDX_delivery_attempts_delivery" ON "activity"."delivery_attempts" ("delivery_id", "id")
        `);
  }

  public async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`DROP TABLE "activity"."delivery_attempts"`);
    await queryRunner.query(`DROP TABLE "activity"."deliveries"`);
    await queryRunner.query(`DROP TABLE "activity"."delivery_subscriptions"`);
  }
}

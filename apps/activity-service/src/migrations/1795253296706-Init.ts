import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * The activity schema. Generated from the entities (event_guids, feed_log), then extended by
 * hand with what TypeORM cannot express: the sequences, the feed's append function, and
 * activity.events, an append-only table range-partitioned by event time. Its partitions are
 * created ahead and dropped past retention by the running service (storage/partition.repository.ts); the
 * indexes below are declared on the parent, so every partition gets them.
 */
export class Init1795253296706 implements MigrationInterface {
  name = 'Init1795253296706';

  public async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`
            CREATE TABLE "activity"."event_guids" (
                "guid" uuid NOT NULL,
                "occurred_at" TIMESTAMP WITH TIME ZONE NOT NULL,
                CONSTRAINT "PK_cf2f9a59fd4e8da8e6eeca12d67" PRIMARY KEY ("guid")
            )
        `);
    await queryRunner.query(`
            CREATE TABLE "activity"."feed_log" (
                "position" bigint NOT NULL,
                "batch_id" bigint NOT NULL,
                "institution_id" text NOT NULL,
                "min_at" TIMESTAMP WITH TIME ZONE NOT NULL,
                "max_at" TIMESTAMP WITH TIME ZONE NOT NULL,
                "event_count" integer NOT NULL,
                "sequenced_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(),
                CONSTRAINT "PK_d73f1eb9251edc57adca095e827" PRIMARY KEY ("position")
            )
        `);
    await queryRunner.query(`
            CREATE INDEX "IDX_feed_log_institution_position" ON "activity"."feed_log" ("institution_id", "position")
        `);

    // Hand-written from here on.
    // One id per ingested batch (events' seq derive from it) and the feed's positions.
    await queryRunner.query(`CREATE SEQUENCE "activity"."event_batch_seq" AS bigint`);
    await queryRunner.query(`CREATE SEQUENCE "activity"."feed_position_seq" AS bigint`);
    // Appends a batch to the feed in commit order; why, in ingest/event.repository.ts.
    await queryRunner.query(`
            CREATE FUNCTION "activity"."append_to_feed"(
                p_batch_id bigint, p_institution_id text, p_min_at timestamptz,
                p_max_at timestamptz, p_event_count integer
            ) RETURNS bigint LANGUAGE plpgsql AS $$
            DECLARE
                next_position bigint;
            BEGIN
                -- Held until the calling transaction has committed.
                PERFORM pg_advisory_xact_lock(hashtext('activity:feed-append'));
                next_position := nextval('activity.feed_position_seq');
                INSERT INTO "activity"."feed_log"
                    ("position", "batch_id", "institution_id", "min_at", "max_at", "event_count")
                VALUES (next_position, p_batch_id, p_institution_id, p_min_at, p_max_at, p_event_count);
                PERFORM pg_notify('activity_feed', p_institution_id);
                RETURN next_position;
            END
            $$
        `);
    // Fixed fields are columns; each type's attributes are jsonb. Times are kept to the
    // millisecond (what the API carries), so keyset cursors compare exactly.
    await queryRunner.query(`
            CREATE TABLE "activity"."events" (
                "seq" bigint NOT NULL,
                "guid" uuid NOT NULL,
                "institution_id" text NOT NULL,
                "event_id" text NOT NULL,
                "occurred_at" TIMESTAMP WITH TIME ZONE NOT NULL,
                "user_type" text,
                "login_id" text NOT NULL,
                "customer_id" text,
                "company_id" text,
                "account_type" text,
                "channel" text,
                "ip_address" text,
                "attributes" jsonb NOT NULL DEFAULT '{}',
                "received_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(),
                CONSTRAINT "CHK_events_occurred_at_ms" CHECK (
                    date_trunc('milliseconds', "occurred_at" AT TIME ZONE 'UTC') = "occurred_at" AT TIME ZONE 'UTC'
                ),
                CONSTRAINT "CHK_events_user_type" CHECK ("user_type" IN ('retail', 'business')),
                CONSTRAINT "CHK_events_attributes" CHECK (jsonb_typeof("attributes") = 'object'),
                -- Shape 4 (the FI over a range) walks this in time order; (time, seq) is the keyset.
                CONSTRAINT "PK_events" PRIMARY KEY ("institution_id", "occurred_at", "seq")
            ) PARTITION BY RANGE ("occurred_at")
        `);
    // Shapes 5 and 6 (event types of the FI): one ordered range per type.
    await queryRunner.query(`
            CREATE INDEX "IDX_events_type_time" ON "activity"."events" ("institution_id", "event_id", "occurred_at", "seq")
        `);
    // Shapes 1 to 3 (one user, or a list of users), by either id type.
    await queryRunner.query(`
            CREATE INDEX "IDX_events_login_time" ON "activity"."events" ("institution_id", "login_id", "occurred_at", "seq")
        `);
    await queryRunner.query(`
            CREATE INDEX "IDX_events_customer_time" ON "activity"."events" ("institution_id", "customer_id", "occurred_at", "seq")
            WHERE "customer_id" IS NOT NULL
        `);
    // companyIds (business users only).
    await queryRunner.query(`
            CREATE INDEX "IDX_events_company_time" ON "activity"."events" ("institution_id", "company_id", "occurred_at", "seq")
            WHERE "company_id" IS NOT NULL
        `);
    // The feed reads a batch's rows by seq range; seq grows, so inserts append at the right edge.
    await queryRunner.query(`
            CREATE INDEX "IDX_events_seq" ON "activity"."events" ("seq")
        `);
  }

  public async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`DROP TABLE "activity"."events"`);
    await queryRunner.query(`DROP FUNCTION "activity"."append_to_feed"`);
    await queryRunner.query(`DROP SEQUENCE "activity"."feed_position_seq"`);
    await queryRunner.query(`DROP SEQUENCE "activity"."event_batch_seq"`);
    await queryRunner.query(`
            DROP INDEX "activity"."IDX_feed_log_institution_position"
        `);
    await queryRunner.query(`
            DROP TABLE "activity"."feed_log"
        `);
    await queryRunner.query(`
            DROP TABLE "activity"."event_guids"
        `);
  }
}

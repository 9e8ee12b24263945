import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * The activity schema ready to be distributed by institution (docs/SCALE-OUT.md, "Citus"):
 *
 * - `event_guids` is keyed by (institution_id, guid): idempotency is per FI. A guid another FI
 *   already used is a new event of this FI, not a duplicate (nor a way for one FI to learn which
 *   guids another FI sent). Existing keys take their event's institution; a key whose event is
 *   gone (its partition already dropped, the key about to be pruned) is dropped.
 * - `feed_log` is keyed by (institution_id, position); its (institution_id, position) index
 *   was that key already and goes.
 * - The feed's order is kept per institution: `feed_heads` holds each institution's last
 *   position, and append_to_feed takes the next one by updating that row, whose lock is held
 *   until the ingest has committed: positions of one FI still follow commit order (a late
 *   commit is never skipped), and ingests of different FIs no longer wait for one another.
 *   Positions continue above every position handed out so far (the global sequence's last
 *   value, baked into the function), so cursors signed before this migration stay valid.
 * - append_to_feed no longer NOTIFYs: a NOTIFY takes one database-wide lock until its
 *   transaction has committed, which would serialize every ingest again. Ingest sends it right
 *   after the commit (ingest/event.repository.ts).
 *
 * The feed_position_seq sequence stays (unused) so that `down` can go back to it.
 */
export class InstitutionKeys1796100000000 implements MigrationInterface {
  name = 'InstitutionKeys1796100000000';

  public async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`ALTER TABLE "activity"."event_guids" ADD "institution_id" text`);
    await queryRunner.query(`
            UPDATE "activity"."event_guids" g SET "institution_id" = e."institution_id"
              FROM "activity"."events" e
             WHERE e."guid" = g."guid" AND e."occurred_at" = g."occurred_at"
        `);
    await queryRunner.query(`DELETE FROM "activity"."event_guids" WHERE "institution_id" IS NULL`);
    await queryRunner.query(
      `ALTER TABLE "activity"."event_guids" ALTER COLUMN "institution_id" SET NOT NULL`,
    );
    await queryRunner.query(
      `ALTER TABLE "activity"."event_guids" DROP CONSTRAINT "PK_cf2f9a59fd4e8da8e6eeca12d67"`,
    );
    await queryRunner.query(
      `ALTER TABLE "activity"."event_guids" ADD CONSTRAINT "PK_event_guids" PRIMARY KEY ("institution_id", "guid")`,
    );

    // Either key may be there: \`down\` keeps the per-institution one once positions repeat.
    await queryRunner.query(
      `ALTER TABLE "activity"."feed_log" DROP CONSTRAINT IF EXISTS "PK_d73f1eb9251edc57adca095e827"`,
    );
    await queryRunner.query(
      `ALTER TABLE "activity"."feed_log" DROP CONSTRAINT IF EXISTS "PK_feed_log"`,
    );
    await queryRunner.query(
      `ALTER TABLE "activity"."feed_log" ADD CONSTRAINT "PK_feed_log" PRIMARY KEY ("institution_id", "position")`,
    );
    await queryRunner.query(`DROP INDEX "activity"."IDX_feed_log_institution_position"`);

    await queryRunner.query(`
            CREATE TABLE "activity"."feed_heads" (
                "institution_id" text NOT NULL,
                "position" bigint NOT NULL,
                CONSTRAINT "PK_feed_heads" PRIMARY KEY ("institution_id")
            )
        `);
    const [{ floor }] = (await queryRunner.query(`
            SELECT greatest(
                     (SELECT CASE WHEN is_called THEN last_value ELSE 0 END FROM "activity"."feed_position_seq"),
                     (SELECT coalesce(max("position"), 0) FROM "activity"."feed_log"))::text AS floor
        `)) as { floor: string }[];
    if (!/^\d+$/.test(floor)) throw new Error(`unexpected feed position ${floor}`);
    await queryRunner.query(`
            CREATE OR REPLACE FUNCTION "activity"."append_to_feed"(
                p_batch_id bigint, p_institution_id text, p_min_at timestamptz,
                p_max_at timestamptz, p_event_count integer
            ) RETURNS bigint LANGUAGE plpgsql AS $$
            DECLARE
                next_position bigint;
            BEGIN
                -- The institution's head row stays locked until the calling transaction has
                -- committed. ${floor}: the last position handed out before positions were per
                -- institution (migration 1796100000000).
                INSERT INTO "activity"."feed_heads" AS h ("institution_id", "position")
                VALUES (p_institution_id, ${floor} + 1)
                ON CONFLICT ("institution_id") DO UPDATE SET "position" = h."position" + 1
                RETURNING h."position" INTO next_position;
                INSERT INTO "activity"."feed_log"
                    ("position", "batch_id", "institution_id", "min_at", "max_at", "event_count")
                VALUES (next_position, p_batch_id, p_institution_id, p_min_at, p_max_at, p_event_count);
                RETURN next_position;
            END
            $$
        `);
  }

  public async down(queryRunner: QueryRunner): Promise<void> {
    // Positions go on from the highest one handed out under either scheme.
    await queryRunner.query(`
            SELECT setval('activity.feed_position_seq', greatest(
                (SELECT coalesce(max("position"), 0) FROM "activity"."feed_heads"),
                (SELECT CASE WHEN is_called THEN last_value ELSE 0 END FROM "activity"."feed_position_seq"), 1))
        `);
    await queryRunner.query(`
            CREATE OR REPLACE FUNCTION "activity"."append_to_feed"(
                p_batch_id bigint, p_institution_id text, p_min_at timestamptz,
                p_max_at timestamptz, p_event_count integer
            ) RETURNS bigint LANGUAGE plpgsql AS $$
            DECLARE
                next_position bigint;
            BEGIN
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
    await queryRunner.query(`DROP TABLE "activity"."feed_heads"`);
    await queryRunner.query(`
            CREATE INDEX "IDX_feed_log_institution_position" ON "activity"."feed_log" ("institution_id", "position")
        `);
    // The old key (position alone) only while no two institutions share a position; once they
    // do (two FIs ingested since \`up\`), feed_log keeps the per-institution key.
    await queryRunner.query(`
            DO $$
            BEGIN
                IF NOT EXISTS (SELECT 1 FROM "activity"."feed_log" GROUP BY "position" HAVING count(*) > 1) THEN
                    ALTER TABLE "activity"."feed_log" DROP CONSTRAINT "PK_feed_log";
                    ALTER TABLE "activity"."feed_log" ADD CONSTRAINT "PK_d73f1eb9251edc57adca095e827" PRIMARY KEY ("position");
                END IF;
            END
            $$
        `);
    await queryRunner.query(
      `ALTER TABLE "activity"."event_guids" DROP CONSTRAINT "PK_event_guids"`,
    );
    // A guid used by two institutions keeps its first event's key only.
    await queryRunner.query(`
            DELETE FROM "activity"."event_guids" g USING "activity"."event_guids" o
             WHERE o."guid" = g."guid" AND o."institution_id" < g."institution_id"
        `);
    await queryRunner.query(
      `ALTER TABLE "activity"."event_guids" ADD CONSTRAINT "PK_cf2f9a59fd4e8da8e6eeca12d67" PRIMARY KEY ("guid")`,
    );
    await queryRunner.query(`ALTER TABLE "activity"."event_guids" DROP COLUMN "institution_id"`);
  }
}

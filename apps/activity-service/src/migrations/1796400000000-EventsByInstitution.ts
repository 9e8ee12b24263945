import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Each week of activity.events is split by institution: `activity.create_events_partition`
 * makes a week `PARTITION BY HASH (institution_id)` with 8 sub-partitions
 * (`events_pYYYYMMDD_h0` .. `_h7`), then attaches it. The service calls it for every week it
 * creates (storage/partition.repository.ts), so the layout is defined here and changed only by
 * a later migration.
 *
 * Why: FIs ingesting at once all appended to the same week, so to one heap and the same six
 * B-trees, and queued on those relations' extension locks (`Lock:extend`, 13-28 % of the
 * writers' samples in bench:ingest, docs/BENCHMARKS.md). Spread over 8 relations an FI shares
 * its heap and indexes with about one eighth of the others, and each tree is smaller. Every
 * search, export and feed read names one institution, so it reads one sub-partition per week
 * (pruned when planned); retention still detaches and drops a week at a time.
 *
 * Databases that already hold weeks: those stay as they are (one plain table per week, made
 * before this migration, including the weeks already made ahead), and only weeks created after
 * it get the new layout: with ACTIVITY_PARTITION_PREMAKE_DAYS = 14, within about three weeks of
 * the deploy. Both layouts are read, written and dropped the same way through the parent.
 * Re-making the empty weeks here would take an ACCESS EXCLUSIVE lock on activity.events while
 * exports run, holding up every search and ingest behind it.
 *
 * `down` drops the function (the previous code makes plain weeks itself); weeks already split
 * stay split, which the previous code reads and drops alike.
 */
export class EventsByInstitution1796400000000 implements MigrationInterface {
  name = 'EventsByInstitution1796400000000';

  public async up(queryRunner: QueryRunner): Promise<void> {
    // Names and bounds come from the service (dates it computed), quoted here all the same.
    await queryRunner.query(`
            CREATE FUNCTION "activity"."create_events_partition"(
                p_name text, p_from timestamptz, p_to timestamptz
            ) RETURNS void LANGUAGE plpgsql AS $$
            BEGIN
                EXECUTE format(
                    'CREATE TABLE activity.%I (LIKE activity.events INCLUDING DEFAULTS INCLUDING CONSTRAINTS)'
                    ' PARTITION BY HASH (institution_id)', p_name);
                FOR r IN 0 .. 7 LOOP
                    EXECUTE format(
                        'CREATE TABLE activity.%I PARTITION OF activity.%I FOR VALUES WITH (MODULUS 8, REMAINDER %s)',
                        p_name || '_h' || r, p_name, r);
                END LOOP;
                -- Attaching an empty table locks the parent only in SHARE UPDATE EXCLUSIVE mode
                -- (searches and ingest go on); the parent's indexes are made on every sub-partition.
                EXECUTE format(
                    'ALTER TABLE activity.events ATTACH PARTITION activity.%I FOR VALUES FROM (%L) TO (%L)',
                    p_name, p_from, p_to);
            END
            $$
        `);
  }

  public async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(
      `DROP FUNCTION "activity"."create_events_partition"(text, timestamptz, timestamptz)`,
    );
  }
}

import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * The audit trail and disclosure acceptances stay append-only, with one exception: the wipe of
 * a developer portal sandbox FI (ids starting `sbx-`, SANDBOX_INSTITUTION_PREFIX; never a real
 * FI) may delete that FI's rows, and only in a transaction that named it first with
 * `set_config('customer.sandbox_wipe', <institutionId>, true)` (sandbox/sandbox.repository.ts).
 * Any other UPDATE or DELETE is refused as before.
 */
export class SandboxWipe1796300000000 implements MigrationInterface {
  name = 'SandboxWipe1796300000000';

  public async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`
            CREATE OR REPLACE FUNCTION "customer"."refuse_change"() RETURNS trigger
            LANGUAGE plpgsql AS $$
            BEGIN
                IF TG_OP = 'DELETE' AND OLD."institution_id" LIKE 'sbx-%'
                   AND OLD."institution_id" = current_setting('customer.sandbox_wipe', true) THEN
                    RETURN OLD;
                END IF;
                RAISE EXCEPTION '% is append-only', TG_TABLE_NAME USING ERRCODE = 'insufficient_privilege';
            END
            $$
        `);
  }

  public async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`
            CREATE OR REPLACE FUNCTION "customer"."refuse_change"() RETURNS trigger
            LANGUAGE plpgsql AS $$
            BEGIN
                RAISE EXCEPTION '% is append-only', TG_TABLE_NAME USING ERRCODE = 'insufficient_privilege';
            END
            $$
        `);
  }
}

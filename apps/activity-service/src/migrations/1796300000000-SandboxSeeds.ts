import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * The developer portal's sandbox FIs (sandbox/): one row per FI whose sample activity was seeded,
 * written by hand (SQL through pg, no entity). `completed_at` stays NULL until the last batch is
 * written, and a wipe clears it before it deletes anything: a seed that finds a row without it
 * (a seed or wipe that stopped half-way) deletes the FI's activity and seeds again. The wipe
 * deletes the row last.
 */
export class SandboxSeeds1796300000000 implements MigrationInterface {
  name = 'SandboxSeeds1796300000000';

  public async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`
            CREATE TABLE "activity"."sandbox_seeds" (
                "institution_id" text NOT NULL,
                "events" integer NOT NULL,
                "start_time" TIMESTAMP WITH TIME ZONE NOT NULL,
                "end_time" TIMESTAMP WITH TIME ZONE NOT NULL,
                "started_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT clock_timestamp(),
                "completed_at" TIMESTAMP WITH TIME ZONE,
                CONSTRAINT "PK_sandbox_seeds" PRIMARY KEY ("institution_id")
            )
        `);
  }

  public async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`DROP TABLE "activity"."sandbox_seeds"`);
  }
}

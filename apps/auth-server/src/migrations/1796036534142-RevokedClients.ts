import { MigrationInterface, QueryRunner } from 'typeorm';

/** Client-level revocations: disabling a client revokes the access tokens it holds. */
export class RevokedClients1796036534142 implements MigrationInterface {
  name = 'RevokedClients1796036534142';

  public async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`
            CREATE TABLE "auth"."revoked_clients" (
                "client_id" text NOT NULL,
                "institution_id" text NOT NULL,
                "issued_before" TIMESTAMP WITH TIME ZONE NOT NULL,
                "expires_at" TIMESTAMP WITH TIME ZONE NOT NULL,
                "revoked_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(),
                CONSTRAINT "PK_ed76725a0f56f7eb55bec1bee66" PRIMARY KEY ("client_id")
            )
        `);
    await queryRunner.query(`
            CREATE INDEX "IDX_revoked_clients_revoked_at" ON "auth"."revoked_clients" ("revoked_at")
        `);
  }

  public async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`
            DROP INDEX "auth"."IDX_revoked_clients_revoked_at"
        `);
    await queryRunner.query(`
            DROP TABLE "auth"."revoked_clients"
        `);
  }
}

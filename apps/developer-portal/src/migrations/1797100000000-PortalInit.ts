import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * The developer portal's schema: developers and their organizations (one sandbox FI each, its
 * provisioning steps recorded so a retry finishes what failed), server-side sessions and
 * single-use mail links (both stored as SHA-256 of the random value, never the value), and
 * rate-limiter-flexible's table (created here: the limiters run with `tableCreated: true`).
 */
export class PortalInit1797100000000 implements MigrationInterface {
  name = 'PortalInit1797100000000';

  public async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`
            CREATE TABLE "portal"."organizations" (
                "id" uuid NOT NULL,
                "name" text NOT NULL,
                "institution_id" varchar(64) NOT NULL,
                "first_client_id" varchar(64),
                "first_secret_shown" boolean NOT NULL DEFAULT false,
                "customers_seeded_at" TIMESTAMP WITH TIME ZONE,
                "activity_seeded_at" TIMESTAMP WITH TIME ZONE,
                "provisioned_at" TIMESTAMP WITH TIME ZONE,
                "last_error" text,
                "created_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(),
                "updated_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(),
                CONSTRAINT "PK_organizations" PRIMARY KEY ("id"),
                CONSTRAINT "UQ_organizations_institution" UNIQUE ("institution_id")
            )
        `);
    await queryRunner.query(`
            CREATE TABLE "portal"."developers" (
                "id" uuid NOT NULL,
                "email" varchar(254) NOT NULL,
                "name" text NOT NULL,
                "password_hash" text NOT NULL,
                "email_verified_at" TIMESTAMP WITH TIME ZONE,
                "organization_id" uuid,
                "created_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(),
                "updated_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(),
                CONSTRAINT "PK_developers" PRIMARY KEY ("id"),
                CONSTRAINT "UQ_developers_email" UNIQUE ("email"),
                CONSTRAINT "FK_developers_organization" FOREIGN KEY ("organization_id")
                    REFERENCES "portal"."organizations" ("id") ON DELETE SET NULL
            )
        `);
    await queryRunner.query(`
            CREATE TABLE "portal"."sessions" (
                "id_hash" bytea NOT NULL,
                "developer_id" uuid NOT NULL,
                "created_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(),
                "last_seen_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(),
                "expires_at" TIMESTAMP WITH TIME ZONE NOT NULL,
                CONSTRAINT "PK_sessions" PRIMARY KEY ("id_hash"),
                CONSTRAINT "FK_sessions_developer" FOREIGN KEY ("developer_id")
                    REFERENCES "portal"."developers" ("id") ON DELETE CASCADE
            )
        `);
    await queryRunner.query(
      `CREATE INDEX "IDX_sessions_developer" ON "portal"."sessions" ("developer_id")`,
    );
    await queryRunner.query(
      `CREATE INDEX "IDX_sessions_expires" ON "portal"."sessions" ("expires_at")`,
    );
    await queryRunner.query(`
            CREATE TABLE "portal"."account_tokens" (
                "token_hash" bytea NOT NULL,
                "developer_id" uuid NOT NULL,
                "purpose" varchar(16) NOT NULL,
                "expires_at" TIMESTAMP WITH TIME ZONE NOT NULL,
                "used_at" TIMESTAMP WITH TIME ZONE,
                "created_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(),
                CONSTRAINT "PK_account_tokens" PRIMARY KEY ("token_hash"),
                CONSTRAINT "CHK_account_tokens_purpose" CHECK ("purpose" IN ('verify', 'reset')),
                CONSTRAINT "FK_account_tokens_developer" FOREIGN KEY ("developer_id")
                    REFERENCES "portal"."developers" ("id") ON DELETE CASCADE
            )
        `);
    await queryRunner.query(
      `CREATE INDEX "IDX_account_tokens_developer" ON "portal"."account_tokens" ("developer_id", "purpose")`,
    );
    await queryRunner.query(
      `CREATE INDEX "IDX_account_tokens_expires" ON "portal"."account_tokens" ("expires_at")`,
    );
    // rate-limiter-flexible's layout (its INSERT names no columns: key, points, expire in ms).
    await queryRunner.query(`
            CREATE TABLE "portal"."rate_limits" (
                "key" varchar(255) NOT NULL,
                "points" integer NOT NULL DEFAULT 0,
                "expire" bigint,
                CONSTRAINT "PK_rate_limits" PRIMARY KEY ("key")
            )
        `);
    await queryRunner.query(
      `CREATE INDEX "IDX_rate_limits_expire" ON "portal"."rate_limits" ("expire")`,
    );
  }

  public async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`DROP TABLE "portal"."rate_limits"`);
    await queryRunner.query(`DROP TABLE "portal"."account_tokens"`);
    await queryRunner.query(`DROP TABLE "portal"."sessions"`);
    await queryRunner.query(`DROP TABLE "portal"."developers"`);
    await queryRunner.query(`DROP TABLE "portal"."organizations"`);
  }
}

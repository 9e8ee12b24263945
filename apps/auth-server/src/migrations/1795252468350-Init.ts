import { MigrationInterface, QueryRunner } from 'typeorm';

export class Init1795252468350 implements MigrationInterface {
  name = 'Init1795252468350';

  public async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`
            CREATE TABLE "auth"."clients" (
                "id" uuid NOT NULL,
                "client_id" text NOT NULL,
                "secret_hash" text NOT NULL,
                "institution_id" text NOT NULL,
                "name" text NOT NULL,
                "allowed_scopes" text array NOT NULL,
                "default_scopes" text array NOT NULL,
                "grant_types" text array NOT NULL,
                "status" text NOT NULL DEFAULT 'active',
                "created_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(),
                "updated_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(),
                "secret_rotated_at" TIMESTAMP WITH TIME ZONE,
                "disabled_at" TIMESTAMP WITH TIME ZONE,
                CONSTRAINT "PK_f1ab7cf3a5714dbc6bb4e1c28a4" PRIMARY KEY ("id")
            )
        `);
    await queryRunner.query(`
            CREATE UNIQUE INDEX "UQ_clients_client_id" ON "auth"."clients" ("client_id")
        `);
    await queryRunner.query(`
            CREATE INDEX "IDX_clients_institution" ON "auth"."clients" ("institution_id")
        `);
    await queryRunner.query(`
            CREATE TABLE "auth"."signing_keys" (
                "kid" text NOT NULL,
                "alg" text NOT NULL,
                "public_jwk" jsonb NOT NULL,
                "private_key_sealed" text NOT NULL,
                "status" text NOT NULL,
                "created_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(),
                "retired_at" TIMESTAMP WITH TIME ZONE,
                "publish_until" TIMESTAMP WITH TIME ZONE,
                CONSTRAINT "PK_13362ac3e792c69417e1a53d355" PRIMARY KEY ("kid")
            )
        `);
    await queryRunner.query(`
            CREATE UNIQUE INDEX "UQ_signing_keys_active" ON "auth"."signing_keys" ("status")
            WHERE "status" IN ('active', 'next')
        `);
    await queryRunner.query(`
            CREATE TABLE "auth"."refresh_tokens" (
                "id" uuid NOT NULL,
                "token_hash" text NOT NULL,
                "family_id" uuid NOT NULL,
                "client_id" text NOT NULL,
                "institution_id" text NOT NULL,
                "subject" text NOT NULL,
                "login_id" text,
                "user_type" text,
                "scope" text NOT NULL,
                "access_token_jti" text NOT NULL,
                "access_token_expires_at" TIMESTAMP WITH TIME ZONE NOT NULL,
                "created_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(),
                "expires_at" TIMESTAMP WITH TIME ZONE NOT NULL,
                "used_at" TIMESTAMP WITH TIME ZONE,
                "revoked_at" TIMESTAMP WITH TIME ZONE,
                CONSTRAINT "PK_7d8bee0204106019488c4c50ffa" PRIMARY KEY ("id")
            )
        `);
    await queryRunner.query(`
            CREATE UNIQUE INDEX "UQ_refresh_tokens_hash" ON "auth"."refresh_tokens" ("token_hash")
        `);
    await queryRunner.query(`
            CREATE INDEX "IDX_refresh_tokens_client" ON "auth"."refresh_tokens" ("client_id")
        `);
    await queryRunner.query(`
            CREATE INDEX "IDX_refresh_tokens_family" ON "auth"."refresh_tokens" ("family_id")
        `);
    await queryRunner.query(`
            CREATE TABLE "auth"."revoked_access_tokens" (
                "jti" text NOT NULL,
                "institution_id" text NOT NULL,
                "client_id" text NOT NULL,
                "expires_at" TIMESTAMP WITH TIME ZONE NOT NULL,
                "revoked_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(),
                CONSTRAINT "PK_340815421be58a8330570a1d6fb" PRIMARY KEY ("jti")
            )
        `);
    await queryRunner.query(`
            CREATE INDEX "IDX_revoked_access_tokens_revoked_at" ON "auth"."revoked_access_tokens" ("revoked_at")
        `);
  }

  public async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`
            DROP INDEX "auth"."IDX_revoked_access_tokens_revoked_at"
        `);
    await queryRunner.query(`
            DROP TABLE "auth"."revoked_access_tokens"
        `);
    await queryRunner.query(`
            DROP INDEX "auth"."IDX_refresh_tokens_family"
        `);
    await queryRunner.query(`
            DROP INDEX "auth"."IDX_refresh_tokens_client"
        `);
    await queryRunner.query(`
            DROP INDEX "auth"."UQ_refresh_tokens_hash"
        `);
    await queryRunner.query(`
            DROP TABLE "auth"."refresh_tokens"
        `);
    await queryRunner.query(`
            DROP INDEX "auth"."UQ_signing_keys_active"
        `);
    await queryRunner.query(`
            DROP TABLE "auth"."signing_keys"
        `);
    await queryRunner.query(`
            DROP INDEX "auth"."IDX_clients_institution"
        `);
    await queryRunner.query(`
            DROP INDEX "auth"."UQ_clients_client_id"
        `);
    await queryRunner.query(`
            DROP TABLE "auth"."clients"
        `);
  }
}

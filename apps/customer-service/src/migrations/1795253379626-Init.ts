import { MigrationInterface, QueryRunner } from 'typeorm';

export class Init1795253379626 implements MigrationInterface {
  name = 'Init1795253379626';

  public async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`
            CREATE TABLE "customer"."audit_events" (
                "id" uuid NOT NULL,
                "customer_id" uuid NOT NULL,
                "institution_id" text NOT NULL,
                "action" text NOT NULL,
                "actor_type" text NOT NULL,
                "actor_id" text NOT NULL,
                "client_id" text,
                "ip_address" text,
                "transaction_id" text,
                "changes" jsonb NOT NULL,
                "occurred_at" TIMESTAMP WITH TIME ZONE NOT NULL,
                CONSTRAINT "PK_910f64d901a5c3e9878f0d4a407" PRIMARY KEY ("id")
            )
        `);
    await queryRunner.query(`
            CREATE INDEX "IDX_audit_events_customer" ON "customer"."audit_events" ("customer_id", "occurred_at")
        `);
    await queryRunner.query(`
            CREATE TABLE "customer"."customers" (
                "id" uuid NOT NULL,
                "institution_id" text NOT NULL,
                "login_id" text NOT NULL,
                "login_id_key" text NOT NULL,
                "user_type" text NOT NULL,
                "institution_customer_id" text,
                "member_number" text,
                "status" text NOT NULL,
                "first_name" text NOT NULL,
                "middle_name" text,
                "last_name" text NOT NULL,
                "birth_date" date NOT NULL,
                "ssn_sealed" text NOT NULL,
                "ssn_last4" character(4) NOT NULL,
                "email_address" text NOT NULL,
                "phone_number" text NOT NULL,
                "postal_address" jsonb NOT NULL,
                "failed_login_count" integer NOT NULL DEFAULT '0',
                "locked_at" TIMESTAMP WITH TIME ZONE,
                "last_login_at" TIMESTAMP WITH TIME ZONE,
                "version" integer NOT NULL DEFAULT '1',
                "created_at" TIMESTAMP WITH TIME ZONE NOT NULL,
                "updated_at" TIMESTAMP WITH TIME ZONE NOT NULL,
                CONSTRAINT "CK_customers_company" CHECK (
                    ("user_type" = 'BUSINESS') = ("institution_customer_id" IS NOT NULL)
                ),
                CONSTRAINT "CK_customers_user_type" CHECK ("user_type" IN ('RETAIL', 'BUSINESS')),
                CONSTRAINT "CK_customers_status" CHECK (
                    "status" IN (
                        'registered',
                        'active',
                        'locked',
                        'needsToAcceptDisclosure'
                    )
                ),
                CONSTRAINT "CK_customers_failed_login_count" CHECK ("failed_login_count" >= 0),
                CONSTRAINT "PK_133ec679a801fab5e070f73d3ea" PRIMARY KEY ("id")
            )
        `);
    await queryRunner.query(`
            CREATE INDEX "IDX_customers_institution_status" ON "customer"."customers" ("institution_id", "status")
        `);
    await queryRunner.query(`
            CREATE UNIQUE INDEX "UQ_customers_login" ON "customer"."customers" ("institution_id", "login_id_key")
        `);
    await queryRunner.query(`
            CREATE TABLE "customer"."credentials" (
                "customer_id" uuid NOT NULL,
                "password_hash" text NOT NULL,
                "password_changed_at" TIMESTAMP WITH TIME ZONE NOT NULL,
                CONSTRAINT "PK_7e6fc815a2de0a59fc6770826be" PRIMARY KEY ("customer_id")
            )
        `);
    await queryRunner.query(`
            CREATE TABLE "customer"."disclosure_acceptances" (
                "id" uuid NOT NULL,
                "customer_id" uuid NOT NULL,
                "institution_id" text NOT NULL,
                "disclosure_id" text NOT NULL,
                "version" text NOT NULL,
                "accepted_at" TIMESTAMP WITH TIME ZONE NOT NULL,
                "ip_address" text,
                "user_agent" text,
                "client_id" text NOT NULL,
                CONSTRAINT "PK_b4b54280b28ac1efd87f2a56dbc" PRIMARY KEY ("id")
            )
        `);
    await queryRunner.query(`
            CREATE UNIQUE INDEX "UQ_disclosure_acceptances" ON "customer"."disclosure_acceptances" ("customer_id", "disclosure_id", "version")
        `);
    await queryRunner.query(`
            CREATE TABLE "customer"."disclosures" (
                "id" uuid NOT NULL,
                "institution_id" text NOT NULL,
                "disclosure_id" text NOT NULL,
                "version" text NOT NULL,
                "name" text NOT NULL,
                "required" boolean NOT NULL,
                "content" text NOT NULL,
                "effective_at" TIMESTAMP WITH TIME ZONE NOT NULL,
                "activated_at" TIMESTAMP WITH TIME ZONE,
                "published_by" text NOT NULL,
                "created_at" TIMESTAMP WITH TIME ZONE NOT NULL,
                CONSTRAINT "PK_891a486784239e16ba51491fd1c" PRIMARY KEY ("id")
            )
        `);
    await queryRunner.query(`
            CREATE INDEX "IDX_disclosures_pending_activation" ON "customer"."disclosures" ("effective_at")
            WHERE "activated_at" IS NULL
        `);
    await queryRunner.query(`
            CREATE INDEX "IDX_disclosures_in_force" ON "customer"."disclosures" (
                "institution_id",
                "disclosure_id",
                "effective_at"
            )
        `);
    await queryRunner.query(`
            CREATE UNIQUE INDEX "UQ_disclosures_version" ON "customer"."disclosures" ("institution_id", "disclosure_id", "version")
        `);
    await queryRunner.query(`
            CREATE TABLE "customer"."idempotency_records" (
                "client_id" text NOT NULL,
                "idempotency_key" text NOT NULL,
                "institution_id" text NOT NULL,
                "request_hash" text NOT NULL,
                "state" text NOT NULL,
                "locked_until" TIMESTAMP WITH TIME ZONE NOT NULL,
                "response_status" integer,
                "response_headers" jsonb,
                "response_body" jsonb,
                "created_at" TIMESTAMP WITH TIME ZONE NOT NULL,
                "expires_at" TIMESTAMP WITH TIME ZONE NOT NULL,
                CONSTRAINT "CK_idempotency_records_state" CHECK ("state" IN ('inFlight', 'completed')),
                CONSTRAINT "PK_a677bb3216b929ad97a5ab1e7b0" PRIMARY KEY ("client_id", "idempotency_key")
            )
        `);
    await queryRunner.query(`
            CREATE INDEX "IDX_idempotency_records_expires" ON "customer"."idempotency_records" ("expires_at")
        `);
    await queryRunner.query(`
            CREATE TABLE "customer"."outbox_events" (
                "id" uuid NOT NULL,
                "institution_id" text NOT NULL,
                "event_id" text NOT NULL,
                "payload" jsonb NOT NULL,
                "created_at" TIMESTAMP WITH TIME ZONE NOT NULL,
                "attempts" integer NOT NULL DEFAULT '0',
                "next_attempt_at" TIMESTAMP WITH TIME ZONE NOT NULL,
                "last_error" text,
                "dispatched_at" TIMESTAMP WITH TIME ZONE,
                "dead_at" TIMESTAMP WITH TIME ZONE,
                CONSTRAINT "PK_6689a16c00d09b8089f6237f1d2" PRIMARY KEY ("id")
            )
        `);
    await queryRunner.query(`
            CREATE INDEX "IDX_outbox_events_dispatched" ON "customer"."outbox_events" ("dispatched_at")
            WHERE "dispatched_at" IS NOT NULL
        `);
    await queryRunner.query(`
            CREATE INDEX "IDX_outbox_events_due" ON "customer"."outbox_events" ("next_attempt_at")
            WHERE "dispatched_at" IS NULL
                AND "dead_at" IS NULL
        `);
    await queryRunner.query(`
            CREATE TABLE "customer"."rate_limit_windows" (
                "bucket" text NOT NULL,
                "hits" integer NOT NULL,
                "window_ends_at" TIMESTAMP WITH TIME ZONE NOT NULL,
                CONSTRAINT "PK_d5e79287fcc93bcad0333620045" PRIMARY KEY ("bucket")
            )
        `);
    await queryRunner.query(`
            CREATE INDEX "IDX_rate_limit_windows_ends" ON "customer"."rate_limit_windows" ("window_ends_at")
        `);
    await queryRunner.query(`
            ALTER TABLE "customer"."credentials"
            ADD CONSTRAINT "FK_credentials_customer" FOREIGN KEY ("customer_id") REFERENCES "customer"."customers"("id") ON DELETE CASCADE ON UPDATE NO ACTION
        `);
    await queryRunner.query(`
            ALTER TABLE "customer"."disclosure_acceptances"
            ADD CONSTRAINT "FK_disclosure_acceptances_customer" FOREIGN KEY ("customer_id") REFERENCES "customer"."customers"("id") ON DELETE RESTRICT ON UPDATE NO ACTION
        `);

    // Hand-written: acceptances and the audit trail are append-only, whoever connects.
    await queryRunner.query(`
            CREATE FUNCTION "customer"."refuse_change"() RETURNS trigger
            LANGUAGE plpgsql AS $$
            BEGIN
                RAISE EXCEPTION '% is append-only', TG_TABLE_NAME USING ERRCODE = 'insufficient_privilege';
            END
            $$
        `);
    await queryRunner.query(`
            CREATE TRIGGER "disclosure_acceptances_append_only"
            BEFORE UPDATE OR DELETE ON "customer"."disclosure_acceptances"
            FOR EACH ROW EXECUTE FUNCTION "customer"."refuse_change"()
        `);
    await queryRunner.query(`
            CREATE TRIGGER "audit_events_append_only"
            BEFORE UPDATE OR DELETE ON "customer"."audit_events"
            FOR EACH ROW EXECUTE FUNCTION "customer"."refuse_change"()
        `);
  }

  public async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`
            ALTER TABLE "customer"."disclosure_acceptances" DROP CONSTRAINT "FK_disclosure_acceptances_customer"
        `);
    await queryRunner.query(`
            ALTER TABLE "customer"."credentials" DROP CONSTRAINT "FK_credentials_customer"
        `);
    await queryRunner.query(`
            DROP INDEX "customer"."IDX_rate_limit_windows_ends"
        `);
    await queryRunner.query(`
            DROP TABLE "customer"."rate_limit_windows"
        `);
    await queryRunner.query(`
            DROP INDEX "customer"."IDX_outbox_events_due"
        `);
    await queryRunner.query(`
            DROP INDEX "customer"."IDX_outbox_events_dispatched"
        `);
    await queryRunner.query(`
            DROP TABLE "customer"."outbox_events"
        `);
    await queryRunner.query(`
            DROP INDEX "customer"."IDX_idempotency_records_expires"
        `);
    await queryRunner.query(`
            DROP TABLE "customer"."idempotency_records"
        `);
    await queryRunner.query(`
            DROP INDEX "customer"."UQ_disclosures_version"
        `);
    await queryRunner.query(`
            DROP INDEX "customer"."IDX_disclosures_in_force"
        `);
    await queryRunner.query(`
            DROP INDEX "customer"."IDX_disclosures_pending_activation"
        `);
    await queryRunner.query(`
            DROP TABLE "customer"."disclosures"
        `);
    await queryRunner.query(`
            DROP INDEX "customer"."UQ_disclosure_acceptances"
        `);
    await queryRunner.query(`
            DROP TABLE "customer"."disclosure_acceptances"
        `);
    await queryRunner.query(`
            DROP TABLE "customer"."credentials"
        `);
    await queryRunner.query(`
            DROP INDEX "customer"."UQ_customers_login"
        `);
    await queryRunner.query(`
            DROP INDEX "customer"."IDX_customers_institution_status"
        `);
    await queryRunner.query(`
            DROP TABLE "customer"."customers"
        `);
    await queryRunner.query(`
            DROP INDEX "customer"."IDX_audit_events_customer"
        `);
    await queryRunner.query(`
            DROP TABLE "customer"."audit_events"
        `);
    // The append-only triggers went with their tables; their function stays until dropped.
    await queryRunner.query(`DROP FUNCTION "customer"."refuse_change"()`);
  }
}

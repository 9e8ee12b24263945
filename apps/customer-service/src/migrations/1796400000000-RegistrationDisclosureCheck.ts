import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * A registration is written in one statement (RegistrationRepository). Its check of the
 * disclosures in force must come after it holds the FI's disclosure lock (shared; activation
 * takes it exclusive), and must see what an activation committed before it got the lock. A
 * statement's own snapshot is older than the lock it takes, so the check runs in this VOLATILE
 * function, whose query takes a fresh snapshot (READ COMMITTED) after the lock is held.
 *
 * `customer.registration_disclosures(fi)`: takes the lock (the key DisclosureRepository uses)
 * until the transaction ends, then answers the versions in force as a key: their ids, sorted,
 * comma-separated ('' for none). The registration inserts only when the key is the one its
 * acceptances were checked against.
 */
export class RegistrationDisclosureCheck1796400000000 implements MigrationInterface {
  name = 'RegistrationDisclosureCheck1796400000000';

  public async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`
            CREATE FUNCTION "customer"."registration_disclosures"(fi text) RETURNS text
            LANGUAGE plpgsql VOLATILE AS $fn$
            BEGIN
                PERFORM pg_advisory_xact_lock_shared(hashtext('customer:disclosures:' || fi));
                RETURN (
                    SELECT coalesce(string_agg(f.id::text, ',' ORDER BY f.id), '')
                      FROM (SELECT DISTINCT ON (d.disclosure_id) d.id
                              FROM "customer"."disclosures" d
                             WHERE d.institution_id = fi AND d.activated_at IS NOT NULL
                             ORDER BY d.disclosure_id, d.effective_at DESC, d.created_at DESC) f
                );
            END
            $fn$
        `);
  }

  public async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`DROP FUNCTION "customer"."registration_disclosures"(text)`);
  }
}

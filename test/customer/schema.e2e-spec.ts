import { DataSource } from 'typeorm';
import { dataSourceOptions, applyMigrations } from '@app/common';
import { customerDatabase } from '../../apps/customer-service/src/database';
import { migrations } from '../../apps/customer-service/src/migrations';
import { createTestDatabase, type TestDatabase } from '../support/database';

describe('customer-service: schema', () => {
  let db: TestDatabase;
  let dataSource: DataSource;

  beforeAll(async () => {
    db = await createTestDatabase('cus_schema');
    // Refused statements are the point here; the driver need not log them.
    dataSource = await new DataSource({
      ...dataSourceOptions(db.url, customerDatabase, 2),
      logging: false,
    }).initialize();
  });
  afterAll(async () => {
    await dataSource?.destroy();
    await db?.drop();
  });

  it('applies the migrations, after which entities and database agree', async () => {
    expect(await applyMigrations(dataSource, 'customer')).toEqual(migrations.map((m) => m.name));
    const pending = await dataSource.driver.createSchemaBuilder().log();
    expect(pending.upQueries.map((q) => q.query)).toEqual([]);
    // Applying again is a no-op.
    expect(await applyMigrations(dataSource, 'customer')).toEqual([]);
  });

  it('reverts every migration, and applies them again', async () => {
    for (let i = 0; i < migrations.length; i++) await dataSource.undoLastMigration();
    const left = await dataSource.query(
      `SELECT table_name FROM information_schema.tables
        WHERE table_schema = 'customer' AND table_name <> 'migrations'`,
    );
    expect(left).toEqual([]);
    expect(await applyMigrations(dataSource, 'customer')).toEqual(migrations.map((m) => m.name));
  });

  it('keeps disclosure acceptances and the audit trail append-only', async () => {
    const customerId = '7f9c1c1e-8d5e-4a43-9a57-1f1f1f1f1f1f';
    await dataSource.query(
      `INSERT INTO customer.customers (id, institution_id, login_id, login_id_key, user_type, status,
         first_name, last_name, birth_date, ssn_sealed, ssn_last4, email_address, phone_number,
         postal_address, created_at, updated_at)
       VALUES ($1, 'fi', 'jdoe2026', 'jdoe2026', 'RETAIL', 'registered', 'J', 'D', '1990-01-01',
         'v1.x', '1234', 'j@example.com', '+12025550143', '{}', now(), now())`,
      [customerId],
    );
    await dataSource.query(
      `INSERT INTO customer.disclosure_acceptances
         (id, customer_id, institution_id, disclosure_id, version, accepted_at, client_id)
       VALUES (gen_random_uuid(), $1, 'fi', 'terms', '1', now(), 'app')`,
      [customerId],
    );
    await dataSource.query(
      `INSERT INTO customer.audit_events
         (id, customer_id, institution_id, action, actor_type, actor_id, changes, occurred_at)
       VALUES (gen_random_uuid(), $1, 'fi', 'registered', 'client', 'app', '[]', now())`,
      [customerId],
    );
    for (const table of ['disclosure_acceptances', 'audit_events']) {
      await expect(
        dataSource.query(`UPDATE customer.${table} SET institution_id = 'other'`),
      ).rejects.toThrow(/append-only/);
      await expect(dataSource.query(`DELETE FROM customer.${table}`)).rejects.toThrow(
        /append-only/,
      );
    }
  });

  it("lets only the sandbox wipe delete an sbx- FI's acceptances and audit rows, in a transaction that names that FI", async () => {
    const fi = 'sbx-schema';
    const customerId = '8a9c1c1e-8d5e-4a43-9a57-2f2f2f2f2f2f';
    await dataSource.query(
      `INSERT INTO customer.customers (id, institution_id, login_id, login_id_key, user_type, status,
         first_name, last_name, birth_date, ssn_sealed, ssn_last4, email_address, phone_number,
         postal_address, created_at, updated_at)
       VALUES ($1, $2, 'sandbox1', 'sandbox1', 'RETAIL', 'registered', 'J', 'D', '1990-01-01',
         'v1.x', '1234', 'j@example.com', '+12025550143', '{}', now(), now())`,
      [customerId, fi],
    );
    await dataSource.query(
      `INSERT INTO customer.disclosure_acceptances
         (id, customer_id, institution_id, disclosure_id, version, accepted_at, client_id)
       VALUES (gen_random_uuid(), $1, $2, 'terms', '1', now(), 'app')`,
      [customerId, fi],
    );
    await dataSource.query(
      `INSERT INTO customer.audit_events
         (id, customer_id, institution_id, action, actor_type, actor_id, changes, occurred_at)
       VALUES (gen_random_uuid(), $1, $2, 'registered', 'client', 'app', '[]', now())`,
      [customerId, fi],
    );
    /** `sql` in its own transaction, after naming `wipe` as the FI being wiped (if given). */
    const inTransaction = (wipe: string | null, sql: string) =>
      dataSource.transaction(async (em) => {
        if (wipe) await em.query(`SELECT set_config('customer.sandbox_wipe', $1, true)`, [wipe]);
        return em.query(sql);
      });
    for (const table of ['disclosure_acceptances', 'audit_events']) {
      const remove = `DELETE FROM customer.${table} WHERE institution_id = '${fi}'`;
      await expect(inTransaction(null, remove)).rejects.toThrow(/append-only/);
      await expect(inTransaction('sbx-another', remove)).rejects.toThrow(/append-only/);
      await expect(
        inTransaction(
          fi,
          `UPDATE customer.${table} SET client_id = 'x' WHERE institution_id = '${fi}'`,
        ),
      ).rejects.toThrow(/append-only/);
      // A real FI's rows, even when a transaction names that FI.
      await expect(
        inTransaction('fi', `DELETE FROM customer.${table} WHERE institution_id = 'fi'`),
      ).rejects.toThrow(/append-only/);
      await inTransaction(fi, remove);
      const [{ n }] = (await dataSource.query(
        `SELECT count(*)::integer AS n FROM customer.${table} WHERE institution_id = $1`,
        [fi],
      )) as { n: number }[];
      expect({ table, n }).toEqual({ table, n: 0 });
    }
    // The setting is the transaction's only: the next one is refused again.
    await expect(
      dataSource.query(`DELETE FROM customer.audit_events WHERE institution_id = 'fi'`),
    ).rejects.toThrow(/append-only/);
  });

  it('refuses values outside the model', async () => {
    await expect(
      dataSource.query(`UPDATE customer.customers SET status = 'deleted'`),
    ).rejects.toThrow(/CK_customers_status/);
    await expect(
      dataSource.query(`UPDATE customer.customers SET user_type = 'BUSINESS'`),
    ).rejects.toThrow(/CK_customers_company/);
  });
});

import { MigrationInterface, QueryRunner } from 'typeorm';

/** The audit log is append-only inside SQLite too; the hash chain catches what goes around this. */
export class AuditAppendOnly1795608300000 implements MigrationInterface {
  name = 'AuditAppendOnly1795608300000';

  public async up(q: QueryRunner): Promise<void> {
    await q.query(`CREATE TRIGGER "audit_entries_no_update" BEFORE UPDATE ON "audit_entries" BEGIN SELECT RAISE(ABORT, 'the audit log is append-only'); END`);
    await q.query(`CREATE TRIGGER "audit_entries_no_delete" BEFORE DELETE ON "audit_entries" BEGIN SELECT RAISE(ABORT, 'the audit log is append-only'); END`);
  }

  public async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP TRIGGER "audit_entries_no_delete"`);
    await q.query(`DROP TRIGGER "audit_entries_no_update"`);
  }
}

import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Which recipe the audit chain's hashes follow. A migration cannot key the chain itself: the key
 * is derived from the secret key, which migrations (and the TypeORM CLI) never see. So this marks
 * an existing chain `sha256` (the old unkeyed recipe) and an empty one `hmac-sha256`; at start-up
 * AuditChainRekey re-hashes a `sha256` chain with the key, once, and only when it verifies under
 * the old recipe (re-hashing an edited chain would launder the edit), then marks it `hmac-sha256`.
 */
export class AuditKeyedChain1795668173574 implements MigrationInterface {
  name = 'AuditKeyedChain1795668173574';

  public async up(q: QueryRunner): Promise<void> {
    await q.query(`CREATE TABLE "audit_chain" ("id" integer PRIMARY KEY NOT NULL CHECK ("id" = 1), "recipe" varchar(32) NOT NULL)`);
    await q.query(
      `INSERT INTO "audit_chain" ("id", "recipe") SELECT 1, CASE WHEN EXISTS (SELECT 1 FROM "audit_entries") THEN 'sha256' ELSE 'hmac-sha256' END`,
    );
  }

  public async down(q: QueryRunner): Promise<void> {
    // the keyed hashes stay keyed: the old code will report the chain as broken from entry 1
    await q.query(`DROP TABLE "audit_chain"`);
  }
}

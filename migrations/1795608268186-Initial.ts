import { MigrationInterface, QueryRunner } from "typeorm";

export class Initial1795608268186 implements MigrationInterface {
    name = 'Initial1795608268186'

    public async up(queryRunner: QueryRunner): Promise<void> {
        await queryRunner.query(`CREATE TABLE "audit_entries" ("seq" integer PRIMARY KEY NOT NULL, "at" varchar(32) NOT NULL, "actor" varchar(128) NOT NULL, "role" varchar(16), "action" varchar(64) NOT NULL, "subject" varchar(256), "outcome" varchar(32) NOT NULL, "sourceAddress" varchar(64), "requestId" varchar(128), "details" text NOT NULL, "prevHash" varchar(64) NOT NULL, "hash" varchar(64) NOT NULL, CONSTRAINT "UQ_c1f146de4d299cd60582a14cd96" UNIQUE ("prevHash"), CONSTRAINT "UQ_47facac6019be8bc58de26cc0ce" UNIQUE ("hash"))`);
        await queryRunner.query(`CREATE INDEX "IDX_3c33d06aa07e31d51836f8ecf9" ON "audit_entries" ("subject", "seq") `);
        await queryRunner.query(`CREATE INDEX "IDX_e286b51bed65098a577f064d77" ON "audit_entries" ("action", "seq") `);
        await queryRunner.query(`CREATE INDEX "IDX_e1e5e6222ace48c77432fd9735" ON "audit_entries" ("actor", "seq") `);
        await queryRunner.query(`CREATE TABLE "api_tokens" ("id" varchar(24) PRIMARY KEY NOT NULL, "name" varchar(63) NOT NULL, "role" varchar(16) NOT NULL, "hash" blob NOT NULL, "createdBy" varchar(63) NOT NULL, "createdAt" datetime NOT NULL DEFAULT (datetime('now')), "lastUsedAt" datetime, CONSTRAINT "UQ_cb9fafc3afcc49346322334dead" UNIQUE ("name"))`);
    }

    public async down(queryRunner: QueryRunner): Promise<void> {
        await queryRunner.query(`DROP TABLE "api_tokens"`);
        await queryRunner.query(`DROP INDEX "IDX_e1e5e6222ace48c77432fd9735"`);
        await queryRunner.query(`DROP INDEX "IDX_e286b51bed65098a577f064d77"`);
        await queryRunner.query(`DROP INDEX "IDX_3c33d06aa07e31d51836f8ecf9"`);
        await queryRunner.query(`DROP TABLE "audit_entries"`);
    }

}

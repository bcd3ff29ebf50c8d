import { MigrationInterface, QueryRunner } from "typeorm";

export class DeliveryVersion1795679230142 implements MigrationInterface {
    name = 'DeliveryVersion1795679230142'

    public async up(queryRunner: QueryRunner): Promise<void> {
        await queryRunner.query(`DROP INDEX "IDX_0cdfd5013b02f9d30b3efb142d"`);
        await queryRunner.query(`DROP INDEX "IDX_603d0ec1ddee7e23084e0ea866"`);
        await queryRunner.query(`DROP INDEX "IDX_a648f7d88eea5d2aa503514481"`);
        await queryRunner.query(`CREATE TABLE "temporary_deliveries" ("id" varchar(36) PRIMARY KEY NOT NULL, "channel" varchar(63) NOT NULL, "kind" varchar(16) NOT NULL, "event" varchar(32) NOT NULL, "application" varchar(63), "groupKey" varchar(160), "payload" text NOT NULL, "state" varchar(16) NOT NULL DEFAULT ('pending'), "attempts" integer NOT NULL DEFAULT (0), "nextAttemptAt" integer NOT NULL, "lastError" text, "lastStatus" integer, "slackTs" varchar(64), "createdAt" integer NOT NULL, "deliveredAt" datetime, "version" integer NOT NULL DEFAULT (0))`);
        await queryRunner.query(`INSERT INTO "temporary_deliveries"("id", "channel", "kind", "event", "application", "groupKey", "payload", "state", "attempts", "nextAttemptAt", "lastError", "lastStatus", "slackTs", "createdAt", "deliveredAt") SELECT "id", "channel", "kind", "event", "application", "groupKey", "payload", "state", "attempts", "nextAttemptAt", "lastError", "lastStatus", "slackTs", "createdAt", "deliveredAt" FROM "deliveries"`);
        await queryRunner.query(`DROP TABLE "deliveries"`);
        await queryRunner.query(`ALTER TABLE "temporary_deliveries" RENAME TO "deliveries"`);
        await queryRunner.query(`CREATE INDEX "IDX_0cdfd5013b02f9d30b3efb142d" ON "deliveries" ("state", "nextAttemptAt") `);
        await queryRunner.query(`CREATE INDEX "IDX_603d0ec1ddee7e23084e0ea866" ON "deliveries" ("channel", "createdAt") `);
        await queryRunner.query(`CREATE INDEX "IDX_a648f7d88eea5d2aa503514481" ON "deliveries" ("channel", "groupKey") `);
    }

    public async down(queryRunner: QueryRunner): Promise<void> {
        await queryRunner.query(`DROP INDEX "IDX_a648f7d88eea5d2aa503514481"`);
        await queryRunner.query(`DROP INDEX "IDX_603d0ec1ddee7e23084e0ea866"`);
        await queryRunner.query(`DROP INDEX "IDX_0cdfd5013b02f9d30b3efb142d"`);
        await queryRunner.query(`ALTER TABLE "deliveries" RENAME TO "temporary_deliveries"`);
        await queryRunner.query(`CREATE TABLE "deliveries" ("id" varchar(36) PRIMARY KEY NOT NULL, "channel" varchar(63) NOT NULL, "kind" varchar(16) NOT NULL, "event" varchar(32) NOT NULL, "application" varchar(63), "groupKey" varchar(160), "payload" text NOT NULL, "state" varchar(16) NOT NULL DEFAULT ('pending'), "attempts" integer NOT NULL DEFAULT (0), "nextAttemptAt" integer NOT NULL, "lastError" text, "lastStatus" integer, "slackTs" varchar(64), "createdAt" integer NOT NULL, "deliveredAt" datetime)`);
        await queryRunner.query(`INSERT INTO "deliveries"("id", "channel", "kind", "event", "application", "groupKey", "payload", "state", "attempts", "nextAttemptAt", "lastError", "lastStatus", "slackTs", "createdAt", "deliveredAt") SELECT "id", "channel", "kind", "event", "application", "groupKey", "payload", "state", "attempts", "nextAttemptAt", "lastError", "lastStatus", "slackTs", "createdAt", "deliveredAt" FROM "temporary_deliveries"`);
        await queryRunner.query(`DROP TABLE "temporary_deliveries"`);
        await queryRunner.query(`CREATE INDEX "IDX_a648f7d88eea5d2aa503514481" ON "deliveries" ("channel", "groupKey") `);
        await queryRunner.query(`CREATE INDEX "IDX_603d0ec1ddee7e23084e0ea866" ON "deliveries" ("channel", "createdAt") `);
        await queryRunner.query(`CREATE INDEX "IDX_0cdfd5013b02f9d30b3efb142d" ON "deliveries" ("state", "nextAttemptAt") `);
    }

}

import { MigrationInterface, QueryRunner } from "typeorm";

// Progressive rollouts and sync windows (issue 25): the rollouts table, an application's rollout
// and windows, and per target the revision its rollout released and since when its cluster has
// not answered. Added columns only (SQLite ADD COLUMN): no table is rebuilt, no row can be lost.
export class Rollouts1796680000000 implements MigrationInterface {
    name = 'Rollouts1796680000000'

    public async up(queryRunner: QueryRunner): Promise<void> {
        await queryRunner.query(`CREATE TABLE "rollouts" ("id" integer PRIMARY KEY AUTOINCREMENT NOT NULL, "application" varchar(63) NOT NULL, "revision" varchar(64) NOT NULL, "state" varchar(16) NOT NULL, "trigger" varchar(16) NOT NULL, "actor" varchar(128) NOT NULL, "spec" text NOT NULL, "waves" text NOT NULL, "message" text, "haltedTarget" text, "supersededBy" integer, "supersedes" integer, "startedAt" integer NOT NULL, "finishedAt" integer, "updatedAt" integer NOT NULL)`);
        await queryRunner.query(`CREATE INDEX "IDX_rollouts_application_id" ON "rollouts" ("application", "id") `);
        await queryRunner.query(`ALTER TABLE "applications" ADD COLUMN "rollout" text`);
        await queryRunner.query(`ALTER TABLE "applications" ADD COLUMN "syncWindows" text NOT NULL DEFAULT ('[]')`);
        await queryRunner.query(`ALTER TABLE "targets" ADD COLUMN "releasedRevision" varchar(64)`);
        await queryRunner.query(`ALTER TABLE "targets" ADD COLUMN "unreachableSince" integer`);
    }

    public async down(queryRunner: QueryRunner): Promise<void> {
        await queryRunner.query(`ALTER TABLE "targets" DROP COLUMN "unreachableSince"`);
        await queryRunner.query(`ALTER TABLE "targets" DROP COLUMN "releasedRevision"`);
        await queryRunner.query(`ALTER TABLE "applications" DROP COLUMN "syncWindows"`);
        await queryRunner.query(`ALTER TABLE "applications" DROP COLUMN "rollout"`);
        await queryRunner.query(`DROP INDEX "IDX_rollouts_application_id"`);
        await queryRunner.query(`DROP TABLE "rollouts"`);
    }

}

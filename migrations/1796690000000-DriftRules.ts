import { MigrationInterface, QueryRunner } from "typeorm";

// Drift rules (issue 26): an application's ignoreDifferences. syncPolicy.mode and onDrift live in
// the syncPolicy JSON (absent: apply, and onDrift from selfHeal). One added column (SQLite ADD
// COLUMN): no table is rebuilt, no row can be lost.
export class DriftRules1796690000000 implements MigrationInterface {
    name = 'DriftRules1796690000000'

    public async up(queryRunner: QueryRunner): Promise<void> {
        await queryRunner.query(`ALTER TABLE "applications" ADD COLUMN "ignoreDifferences" text NOT NULL DEFAULT ('[]')`);
    }

    public async down(queryRunner: QueryRunner): Promise<void> {
        await queryRunner.query(`ALTER TABLE "applications" DROP COLUMN "ignoreDifferences"`);
    }

}

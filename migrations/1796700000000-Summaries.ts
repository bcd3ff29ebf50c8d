import { MigrationInterface, QueryRunner } from "typeorm";

// Summaries (issue 29): the fleet's health history (health_samples: targets per health whenever
// the counts change), and an index on sync_runs (startedAt, phase) that answers the runs summary
// alone. A new table and an index: nothing is rebuilt, no row can be lost.
export class Summaries1796700000000 implements MigrationInterface {
    name = 'Summaries1796700000000'

    public async up(queryRunner: QueryRunner): Promise<void> {
        await queryRunner.query(`CREATE TABLE "health_samples" ("at" integer NOT NULL, "health" varchar(16) NOT NULL, "targets" integer NOT NULL, PRIMARY KEY ("at", "health"))`);
        await queryRunner.query(`CREATE INDEX "IDX_a89e8f657921b6b6d7fce9df73" ON "sync_runs" ("startedAt", "phase") `);
    }

    public async down(queryRunner: QueryRunner): Promise<void> {
        await queryRunner.query(`DROP INDEX "IDX_a89e8f657921b6b6d7fce9df73"`);
        await queryRunner.query(`DROP TABLE "health_samples"`);
    }

}

import { MigrationInterface, QueryRunner } from "typeorm";

// Fleet counts (issue 29): GET /api/v1/fleet counts every target of the matching applications by
// cluster, sync and health. An index holding exactly those columns (and the application, for the
// filters) answers that from the index alone, without reading 100,000 table rows. An index only:
// nothing is rebuilt, no row can be lost.
export class FleetCounts1796710000000 implements MigrationInterface {
    name = 'FleetCounts1796710000000'

    public async up(queryRunner: QueryRunner): Promise<void> {
        await queryRunner.query(`CREATE INDEX "IDX_targets_fleet_counts" ON "targets" ("cluster", "sync", "health", "leaving", "application") `);
    }

    public async down(queryRunner: QueryRunner): Promise<void> {
        await queryRunner.query(`DROP INDEX "IDX_targets_fleet_counts"`);
    }

}

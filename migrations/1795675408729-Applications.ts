import { MigrationInterface, QueryRunner } from "typeorm";

export class Applications1795675408729 implements MigrationInterface {
    name = 'Applications1795675408729'

    public async up(queryRunner: QueryRunner): Promise<void> {
        await queryRunner.query(`CREATE TABLE "applications" ("name" varchar(63) PRIMARY KEY NOT NULL, "labels" text NOT NULL, "repository" varchar(63) NOT NULL, "path" varchar(1024) NOT NULL, "revision" varchar(255), "destinations" text NOT NULL, "syncPolicy" text NOT NULL, "pinnedRevision" varchar(64), "pinnedSyncRunId" integer, "pinnedAt" datetime, "deletingSince" datetime, "createdAt" datetime NOT NULL DEFAULT (datetime('now')), "updatedAt" datetime NOT NULL DEFAULT (datetime('now')))`);
        await queryRunner.query(`CREATE TABLE "sync_runs" ("id" integer PRIMARY KEY AUTOINCREMENT NOT NULL, "targetId" integer NOT NULL, "application" varchar(63) NOT NULL, "cluster" varchar(63) NOT NULL, "namespace" varchar(255) NOT NULL, "revision" varchar(64), "trigger" varchar(16) NOT NULL, "actor" varchar(128) NOT NULL, "phase" varchar(16) NOT NULL, "startedAt" datetime NOT NULL, "finishedAt" datetime, "counts" text, "message" text, "changes" text)`);
        await queryRunner.query(`CREATE INDEX "IDX_4891cac1c72daf910c407a8682" ON "sync_runs" ("phase") `);
        await queryRunner.query(`CREATE INDEX "IDX_b6c025e15c095334a6d24e0f8f" ON "sync_runs" ("targetId", "id") `);
        await queryRunner.query(`CREATE INDEX "IDX_9c6d8e94b986a98a93ad8b1f08" ON "sync_runs" ("application", "id") `);
        await queryRunner.query(`CREATE TABLE "targets" ("id" integer PRIMARY KEY AUTOINCREMENT NOT NULL, "application" varchar(63) NOT NULL, "cluster" varchar(63) NOT NULL, "namespace" varchar(255) NOT NULL, "path" varchar(1024) NOT NULL, "problem" text, "leaving" boolean NOT NULL DEFAULT (0), "desiredRevision" varchar(64), "revision" varchar(64), "commit" text, "sync" varchar(16) NOT NULL DEFAULT ('Unknown'), "health" varchar(16) NOT NULL DEFAULT ('Unknown'), "message" text, "inventory" text NOT NULL, "resources" text NOT NULL, "lastRunId" integer, "dueAt" integer NOT NULL, "priority" integer NOT NULL DEFAULT (2), "pendingTrigger" varchar(16), "pendingActor" varchar(128), "pendingRevision" varchar(255), "pendingPrune" boolean, "failures" integer NOT NULL DEFAULT (0), "owner" varchar(64), "leaseExpiresAt" integer)`);
        await queryRunner.query(`CREATE INDEX "IDX_8d532aa6943824968880e981f9" ON "targets" ("cluster") `);
        await queryRunner.query(`CREATE INDEX "IDX_b5d054a205ba72abbc656e760f" ON "targets" ("dueAt") `);
        await queryRunner.query(`CREATE UNIQUE INDEX "IDX_ef4373c4ec8c66c94374f4d587" ON "targets" ("application", "cluster", "namespace") `);
    }

    public async down(queryRunner: QueryRunner): Promise<void> {
        await queryRunner.query(`DROP INDEX "IDX_ef4373c4ec8c66c94374f4d587"`);
        await queryRunner.query(`DROP INDEX "IDX_b5d054a205ba72abbc656e760f"`);
        await queryRunner.query(`DROP INDEX "IDX_8d532aa6943824968880e981f9"`);
        await queryRunner.query(`DROP TABLE "targets"`);
        await queryRunner.query(`DROP INDEX "IDX_9c6d8e94b986a98a93ad8b1f08"`);
        await queryRunner.query(`DROP INDEX "IDX_b6c025e15c095334a6d24e0f8f"`);
        await queryRunner.query(`DROP INDEX "IDX_4891cac1c72daf910c407a8682"`);
        await queryRunner.query(`DROP TABLE "sync_runs"`);
        await queryRunner.query(`DROP TABLE "applications"`);
    }

}

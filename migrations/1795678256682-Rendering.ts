import { MigrationInterface, QueryRunner } from "typeorm";

export class Rendering1795678256682 implements MigrationInterface {
    name = 'Rendering1795678256682'

    public async up(queryRunner: QueryRunner): Promise<void> {
        await queryRunner.query(`CREATE TABLE "temporary_applications" ("name" varchar(63) PRIMARY KEY NOT NULL, "labels" text NOT NULL, "repository" varchar(63) NOT NULL, "path" varchar(1024) NOT NULL, "revision" varchar(255), "destinations" text NOT NULL, "syncPolicy" text NOT NULL, "pinnedRevision" varchar(64), "pinnedSyncRunId" integer, "pinnedAt" datetime, "deletingSince" datetime, "createdAt" datetime NOT NULL DEFAULT (datetime('now')), "updatedAt" datetime NOT NULL DEFAULT (datetime('now')), "hooks" text NOT NULL DEFAULT ('[]'), "helm" text)`);
        await queryRunner.query(`INSERT INTO "temporary_applications"("name", "labels", "repository", "path", "revision", "destinations", "syncPolicy", "pinnedRevision", "pinnedSyncRunId", "pinnedAt", "deletingSince", "createdAt", "updatedAt", "hooks") SELECT "name", "labels", "repository", "path", "revision", "destinations", "syncPolicy", "pinnedRevision", "pinnedSyncRunId", "pinnedAt", "deletingSince", "createdAt", "updatedAt", "hooks" FROM "applications"`);
        await queryRunner.query(`DROP TABLE "applications"`);
        await queryRunner.query(`ALTER TABLE "temporary_applications" RENAME TO "applications"`);
        await queryRunner.query(`DROP INDEX "IDX_8d532aa6943824968880e981f9"`);
        await queryRunner.query(`DROP INDEX "IDX_b5d054a205ba72abbc656e760f"`);
        await queryRunner.query(`DROP INDEX "IDX_ef4373c4ec8c66c94374f4d587"`);
        await queryRunner.query(`CREATE TABLE "temporary_targets" ("id" integer PRIMARY KEY AUTOINCREMENT NOT NULL, "application" varchar(63) NOT NULL, "cluster" varchar(63) NOT NULL, "namespace" varchar(255) NOT NULL, "path" varchar(1024) NOT NULL, "problem" text, "leaving" boolean NOT NULL DEFAULT (0), "desiredRevision" varchar(64), "revision" varchar(64), "commit" text, "sync" varchar(16) NOT NULL DEFAULT ('Unknown'), "health" varchar(16) NOT NULL DEFAULT ('Unknown'), "message" text, "inventory" text NOT NULL, "resources" text NOT NULL, "lastRunId" integer, "dueAt" integer NOT NULL, "priority" integer NOT NULL DEFAULT (2), "pendingTrigger" varchar(16), "pendingActor" varchar(128), "pendingRevision" varchar(255), "pendingPrune" boolean, "failures" integer NOT NULL DEFAULT (0), "owner" varchar(64), "leaseExpiresAt" integer, "awaitingHealthSince" integer, "drifting" boolean NOT NULL DEFAULT (0), "renderer" varchar(16))`);
        await queryRunner.query(`INSERT INTO "temporary_targets"("id", "application", "cluster", "namespace", "path", "problem", "leaving", "desiredRevision", "revision", "commit", "sync", "health", "message", "inventory", "resources", "lastRunId", "dueAt", "priority", "pendingTrigger", "pendingActor", "pendingRevision", "pendingPrune", "failures", "owner", "leaseExpiresAt", "awaitingHealthSince", "drifting") SELECT "id", "application", "cluster", "namespace", "path", "problem", "leaving", "desiredRevision", "revision", "commit", "sync", "health", "message", "inventory", "resources", "lastRunId", "dueAt", "priority", "pendingTrigger", "pendingActor", "pendingRevision", "pendingPrune", "failures", "owner", "leaseExpiresAt", "awaitingHealthSince", "drifting" FROM "targets"`);
        await queryRunner.query(`DROP TABLE "targets"`);
        await queryRunner.query(`ALTER TABLE "temporary_targets" RENAME TO "targets"`);
        await queryRunner.query(`CREATE INDEX "IDX_8d532aa6943824968880e981f9" ON "targets" ("cluster") `);
        await queryRunner.query(`CREATE INDEX "IDX_b5d054a205ba72abbc656e760f" ON "targets" ("dueAt") `);
        await queryRunner.query(`CREATE UNIQUE INDEX "IDX_ef4373c4ec8c66c94374f4d587" ON "targets" ("application", "cluster", "namespace") `);
    }

    public async down(queryRunner: QueryRunner): Promise<void> {
        await queryRunner.query(`DROP INDEX "IDX_ef4373c4ec8c66c94374f4d587"`);
        await queryRunner.query(`DROP INDEX "IDX_b5d054a205ba72abbc656e760f"`);
        await queryRunner.query(`DROP INDEX "IDX_8d532aa6943824968880e981f9"`);
        await queryRunner.query(`ALTER TABLE "targets" RENAME TO "temporary_targets"`);
        await queryRunner.query(`CREATE TABLE "targets" ("id" integer PRIMARY KEY AUTOINCREMENT NOT NULL, "application" varchar(63) NOT NULL, "cluster" varchar(63) NOT NULL, "namespace" varchar(255) NOT NULL, "path" varchar(1024) NOT NULL, "problem" text, "leaving" boolean NOT NULL DEFAULT (0), "desiredRevision" varchar(64), "revision" varchar(64), "commit" text, "sync" varchar(16) NOT NULL DEFAULT ('Unknown'), "health" varchar(16) NOT NULL DEFAULT ('Unknown'), "message" text, "inventory" text NOT NULL, "resources" text NOT NULL, "lastRunId" integer, "dueAt" integer NOT NULL, "priority" integer NOT NULL DEFAULT (2), "pendingTrigger" varchar(16), "pendingActor" varchar(128), "pendingRevision" varchar(255), "pendingPrune" boolean, "failures" integer NOT NULL DEFAULT (0), "owner" varchar(64), "leaseExpiresAt" integer, "awaitingHealthSince" integer, "drifting" boolean NOT NULL DEFAULT (0))`);
        await queryRunner.query(`INSERT INTO "targets"("id", "application", "cluster", "namespace", "path", "problem", "leaving", "desiredRevision", "revision", "commit", "sync", "health", "message", "inventory", "resources", "lastRunId", "dueAt", "priority", "pendingTrigger", "pendingActor", "pendingRevision", "pendingPrune", "failures", "owner", "leaseExpiresAt", "awaitingHealthSince", "drifting") SELECT "id", "application", "cluster", "namespace", "path", "problem", "leaving", "desiredRevision", "revision", "commit", "sync", "health", "message", "inventory", "resources", "lastRunId", "dueAt", "priority", "pendingTrigger", "pendingActor", "pendingRevision", "pendingPrune", "failures", "owner", "leaseExpiresAt", "awaitingHealthSince", "drifting" FROM "temporary_targets"`);
        await queryRunner.query(`DROP TABLE "temporary_targets"`);
        await queryRunner.query(`CREATE UNIQUE INDEX "IDX_ef4373c4ec8c66c94374f4d587" ON "targets" ("application", "cluster", "namespace") `);
        await queryRunner.query(`CREATE INDEX "IDX_b5d054a205ba72abbc656e760f" ON "targets" ("dueAt") `);
        await queryRunner.query(`CREATE INDEX "IDX_8d532aa6943824968880e981f9" ON "targets" ("cluster") `);
        await queryRunner.query(`ALTER TABLE "applications" RENAME TO "temporary_applications"`);
        await queryRunner.query(`CREATE TABLE "applications" ("name" varchar(63) PRIMARY KEY NOT NULL, "labels" text NOT NULL, "repository" varchar(63) NOT NULL, "path" varchar(1024) NOT NULL, "revision" varchar(255), "destinations" text NOT NULL, "syncPolicy" text NOT NULL, "pinnedRevision" varchar(64), "pinnedSyncRunId" integer, "pinnedAt" datetime, "deletingSince" datetime, "createdAt" datetime NOT NULL DEFAULT (datetime('now')), "updatedAt" datetime NOT NULL DEFAULT (datetime('now')), "hooks" text NOT NULL DEFAULT ('[]'))`);
        await queryRunner.query(`INSERT INTO "applications"("name", "labels", "repository", "path", "revision", "destinations", "syncPolicy", "pinnedRevision", "pinnedSyncRunId", "pinnedAt", "deletingSince", "createdAt", "updatedAt", "hooks") SELECT "name", "labels", "repository", "path", "revision", "destinations", "syncPolicy", "pinnedRevision", "pinnedSyncRunId", "pinnedAt", "deletingSince", "createdAt", "updatedAt", "hooks" FROM "temporary_applications"`);
        await queryRunner.query(`DROP TABLE "temporary_applications"`);
    }

}

import { MigrationInterface, QueryRunner } from "typeorm";

export class Hooks1795677554120 implements MigrationInterface {
    name = 'Hooks1795677554120'

    public async up(queryRunner: QueryRunner): Promise<void> {
        await queryRunner.query(`CREATE TABLE "channels" ("name" varchar(63) PRIMARY KEY NOT NULL, "type" varchar(16) NOT NULL, "slackChannel" varchar(255), "url" varchar(2048), "timeoutSeconds" integer NOT NULL DEFAULT (10), "secrets" text NOT NULL, "signed" boolean NOT NULL DEFAULT (0), "headerNames" text NOT NULL, "pausedUntil" integer, "createdAt" datetime NOT NULL DEFAULT (datetime('now')), "updatedAt" datetime NOT NULL DEFAULT (datetime('now')))`);
        await queryRunner.query(`CREATE TABLE "deliveries" ("id" varchar(36) PRIMARY KEY NOT NULL, "channel" varchar(63) NOT NULL, "kind" varchar(16) NOT NULL, "event" varchar(32) NOT NULL, "application" varchar(63), "groupKey" varchar(160), "payload" text NOT NULL, "state" varchar(16) NOT NULL DEFAULT ('pending'), "attempts" integer NOT NULL DEFAULT (0), "nextAttemptAt" integer NOT NULL, "lastError" text, "lastStatus" integer, "slackTs" varchar(64), "createdAt" integer NOT NULL, "deliveredAt" datetime)`);
        await queryRunner.query(`CREATE INDEX "IDX_a648f7d88eea5d2aa503514481" ON "deliveries" ("channel", "groupKey") `);
        await queryRunner.query(`CREATE INDEX "IDX_603d0ec1ddee7e23084e0ea866" ON "deliveries" ("channel", "createdAt") `);
        await queryRunner.query(`CREATE INDEX "IDX_0cdfd5013b02f9d30b3efb142d" ON "deliveries" ("state", "nextAttemptAt") `);
        await queryRunner.query(`CREATE TABLE "temporary_applications" ("name" varchar(63) PRIMARY KEY NOT NULL, "labels" text NOT NULL, "repository" varchar(63) NOT NULL, "path" varchar(1024) NOT NULL, "revision" varchar(255), "destinations" text NOT NULL, "syncPolicy" text NOT NULL, "pinnedRevision" varchar(64), "pinnedSyncRunId" integer, "pinnedAt" datetime, "deletingSince" datetime, "createdAt" datetime NOT NULL DEFAULT (datetime('now')), "updatedAt" datetime NOT NULL DEFAULT (datetime('now')), "hooks" text NOT NULL DEFAULT ('[]'))`);
        await queryRunner.query(`INSERT INTO "temporary_applications"("name", "labels", "repository", "path", "revision", "destinations", "syncPolicy", "pinnedRevision", "pinnedSyncRunId", "pinnedAt", "deletingSince", "createdAt", "updatedAt") SELECT "name", "labels", "repository", "path", "revision", "destinations", "syncPolicy", "pinnedRevision", "pinnedSyncRunId", "pinnedAt", "deletingSince", "createdAt", "updatedAt" FROM "applications"`);
        await queryRunner.query(`DROP TABLE "applications"`);
        await queryRunner.query(`ALTER TABLE "temporary_applications" RENAME TO "applications"`);
        await queryRunner.query(`DROP INDEX "IDX_ef4373c4ec8c66c94374f4d587"`);
        await queryRunner.query(`DROP INDEX "IDX_b5d054a205ba72abbc656e760f"`);
        await queryRunner.query(`DROP INDEX "IDX_8d532aa6943824968880e981f9"`);
        await queryRunner.query(`CREATE TABLE "temporary_targets" ("id" integer PRIMARY KEY AUTOINCREMENT NOT NULL, "application" varchar(63) NOT NULL, "cluster" varchar(63) NOT NULL, "namespace" varchar(255) NOT NULL, "path" varchar(1024) NOT NULL, "problem" text, "leaving" boolean NOT NULL DEFAULT (0), "desiredRevision" varchar(64), "revision" varchar(64), "commit" text, "sync" varchar(16) NOT NULL DEFAULT ('Unknown'), "health" varchar(16) NOT NULL DEFAULT ('Unknown'), "message" text, "inventory" text NOT NULL, "resources" text NOT NULL, "lastRunId" integer, "dueAt" integer NOT NULL, "priority" integer NOT NULL DEFAULT (2), "pendingTrigger" varchar(16), "pendingActor" varchar(128), "pendingRevision" varchar(255), "pendingPrune" boolean, "failures" integer NOT NULL DEFAULT (0), "owner" varchar(64), "leaseExpiresAt" integer, "awaitingHealthSince" integer, "drifting" boolean NOT NULL DEFAULT (0))`);
        await queryRunner.query(`INSERT INTO "temporary_targets"("id", "application", "cluster", "namespace", "path", "problem", "leaving", "desiredRevision", "revision", "commit", "sync", "health", "message", "inventory", "resources", "lastRunId", "dueAt", "priority", "pendingTrigger", "pendingActor", "pendingRevision", "pendingPrune", "failures", "owner", "leaseExpiresAt") SELECT "id", "application", "cluster", "namespace", "path", "problem", "leaving", "desiredRevision", "revision", "commit", "sync", "health", "message", "inventory", "resources", "lastRunId", "dueAt", "priority", "pendingTrigger", "pendingActor", "pendingRevision", "pendingPrune", "failures", "owner", "leaseExpiresAt" FROM "targets"`);
        await queryRunner.query(`DROP TABLE "targets"`);
        await queryRunner.query(`ALTER TABLE "temporary_targets" RENAME TO "targets"`);
        await queryRunner.query(`CREATE UNIQUE INDEX "IDX_ef4373c4ec8c66c94374f4d587" ON "targets" ("application", "cluster", "namespace") `);
        await queryRunner.query(`CREATE INDEX "IDX_b5d054a205ba72abbc656e760f" ON "targets" ("dueAt") `);
        await queryRunner.query(`CREATE INDEX "IDX_8d532aa6943824968880e981f9" ON "targets" ("cluster") `);
    }

    public async down(queryRunner: QueryRunner): Promise<void> {
        await queryRunner.query(`DROP INDEX "IDX_8d532aa6943824968880e981f9"`);
        await queryRunner.query(`DROP INDEX "IDX_b5d054a205ba72abbc656e760f"`);
        await queryRunner.query(`DROP INDEX "IDX_ef4373c4ec8c66c94374f4d587"`);
        await queryRunner.query(`ALTER TABLE "targets" RENAME TO "temporary_targets"`);
        await queryRunner.query(`CREATE TABLE "targets" ("id" integer PRIMARY KEY AUTOINCREMENT NOT NULL, "application" varchar(63) NOT NULL, "cluster" varchar(63) NOT NULL, "namespace" varchar(255) NOT NULL, "path" varchar(1024) NOT NULL, "problem" text, "leaving" boolean NOT NULL DEFAULT (0), "desiredRevision" varchar(64), "revision" varchar(64), "commit" text, "sync" varchar(16) NOT NULL DEFAULT ('Unknown'), "health" varchar(16) NOT NULL DEFAULT ('Unknown'), "message" text, "inventory" text NOT NULL, "resources" text NOT NULL, "lastRunId" integer, "dueAt" integer NOT NULL, "priority" integer NOT NULL DEFAULT (2), "pendingTrigger" varchar(16), "pendingActor" varchar(128), "pendingRevision" varchar(255), "pendingPrune" boolean, "failures" integer NOT NULL DEFAULT (0), "owner" varchar(64), "leaseExpiresAt" integer)`);
        await queryRunner.query(`INSERT INTO "targets"("id", "application", "cluster", "namespace", "path", "problem", "leaving", "desiredRevision", "revision", "commit", "sync", "health", "message", "inventory", "resources", "lastRunId", "dueAt", "priority", "pendingTrigger", "pendingActor", "pendingRevision", "pendingPrune", "failures", "owner", "leaseExpiresAt") SELECT "id", "application", "cluster", "namespace", "path", "problem", "leaving", "desiredRevision", "revision", "commit", "sync", "health", "message", "inventory", "resources", "lastRunId", "dueAt", "priority", "pendingTrigger", "pendingActor", "pendingRevision", "pendingPrune", "failures", "owner", "leaseExpiresAt" FROM "temporary_targets"`);
        await queryRunner.query(`DROP TABLE "temporary_targets"`);
        await queryRunner.query(`CREATE INDEX "IDX_8d532aa6943824968880e981f9" ON "targets" ("cluster") `);
        await queryRunner.query(`CREATE INDEX "IDX_b5d054a205ba72abbc656e760f" ON "targets" ("dueAt") `);
        await queryRunner.query(`CREATE UNIQUE INDEX "IDX_ef4373c4ec8c66c94374f4d587" ON "targets" ("application", "cluster", "namespace") `);
        await queryRunner.query(`ALTER TABLE "applications" RENAME TO "temporary_applications"`);
        await queryRunner.query(`CREATE TABLE "applications" ("name" varchar(63) PRIMARY KEY NOT NULL, "labels" text NOT NULL, "repository" varchar(63) NOT NULL, "path" varchar(1024) NOT NULL, "revision" varchar(255), "destinations" text NOT NULL, "syncPolicy" text NOT NULL, "pinnedRevision" varchar(64), "pinnedSyncRunId" integer, "pinnedAt" datetime, "deletingSince" datetime, "createdAt" datetime NOT NULL DEFAULT (datetime('now')), "updatedAt" datetime NOT NULL DEFAULT (datetime('now')))`);
        await queryRunner.query(`INSERT INTO "applications"("name", "labels", "repository", "path", "revision", "destinations", "syncPolicy", "pinnedRevision", "pinnedSyncRunId", "pinnedAt", "deletingSince", "createdAt", "updatedAt") SELECT "name", "labels", "repository", "path", "revision", "destinations", "syncPolicy", "pinnedRevision", "pinnedSyncRunId", "pinnedAt", "deletingSince", "createdAt", "updatedAt" FROM "temporary_applications"`);
        await queryRunner.query(`DROP TABLE "temporary_applications"`);
        await queryRunner.query(`DROP INDEX "IDX_0cdfd5013b02f9d30b3efb142d"`);
        await queryRunner.query(`DROP INDEX "IDX_603d0ec1ddee7e23084e0ea866"`);
        await queryRunner.query(`DROP INDEX "IDX_a648f7d88eea5d2aa503514481"`);
        await queryRunner.query(`DROP TABLE "deliveries"`);
        await queryRunner.query(`DROP TABLE "channels"`);
    }

}

import { MigrationInterface, QueryRunner } from "typeorm";

export class Repositories1795609004738 implements MigrationInterface {
    name = 'Repositories1795609004738'

    public async up(queryRunner: QueryRunner): Promise<void> {
        await queryRunner.query(`CREATE TABLE "repositories" ("name" varchar(63) PRIMARY KEY NOT NULL, "url" varchar(2048) NOT NULL, "branch" varchar(255) NOT NULL DEFAULT ('main'), "pollIntervalSeconds" integer NOT NULL, "authType" varchar(16) NOT NULL DEFAULT ('none'), "username" varchar(255), "knownHosts" text, "credentials" text, "webhookSecret" text, "revision" varchar(64), "lastFetchedAt" datetime, "message" text, "createdAt" datetime NOT NULL DEFAULT (datetime('now')), "updatedAt" datetime NOT NULL DEFAULT (datetime('now')))`);
    }

    public async down(queryRunner: QueryRunner): Promise<void> {
        await queryRunner.query(`DROP TABLE "repositories"`);
    }

}

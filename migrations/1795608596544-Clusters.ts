import { MigrationInterface, QueryRunner } from "typeorm";

export class Clusters1795608596544 implements MigrationInterface {
    name = 'Clusters1795608596544'

    public async up(queryRunner: QueryRunner): Promise<void> {
        await queryRunner.query(`CREATE TABLE "clusters" ("name" varchar(63) PRIMARY KEY NOT NULL, "server" varchar(2048) NOT NULL, "labels" text NOT NULL, "caData" text, "insecureSkipVerify" boolean NOT NULL DEFAULT (0), "authType" varchar(32) NOT NULL, "credentials" text NOT NULL, "source" varchar(16) NOT NULL DEFAULT ('fields'), "kubeconfigContext" varchar(253), "generation" integer NOT NULL DEFAULT (1), "phase" varchar(16) NOT NULL DEFAULT ('Pending'), "kubernetesVersion" varchar(64), "message" text, "lastCheckedAt" datetime, "createdAt" datetime NOT NULL DEFAULT (datetime('now')), "updatedAt" datetime NOT NULL DEFAULT (datetime('now')))`);
    }

    public async down(queryRunner: QueryRunner): Promise<void> {
        await queryRunner.query(`DROP TABLE "clusters"`);
    }

}

import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import { DataSourceOptions } from 'typeorm';
import { MIGRATIONS } from '../../migrations';
import { AppConfig } from '../config/app-config';

export function dataSourceOptions(config: AppConfig, entities: Function[]): DataSourceOptions {
  // the data directory holds the key file and the database: owner only
  mkdirSync(dirname(config.database.file), { recursive: true, mode: 0o700 });
  return {
    type: 'better-sqlite3',
    database: config.database.file,
    enableWAL: true,
    timeout: config.database.busyTimeoutMs,
    synchronize: false,
    migrationsRun: false,
    migrationsTransactionMode: 'each',
    entities,
    migrations: MIGRATIONS,
    // foreign keys are enforced (SQLite leaves them off unless asked)
    prepareDatabase: (db: { pragma(s: string): unknown }) => {
      db.pragma('foreign_keys = ON');
      db.pragma('synchronous = NORMAL');
    },
  };
}

import { Injectable, Logger, OnApplicationShutdown } from '@nestjs/common';
import { DataSource, EntityManager } from 'typeorm';
import { SerialQueue } from '../shared/serial-queue';

/**
 * The database handle. SQLite through better-sqlite3 is one connection: two TypeORM
 * transactions started from different async flows would interleave on it and fail ("cannot
 * start a transaction within a transaction"). So every write goes through `write()`, which runs
 * transactions one after another in arrival order. Keep them short and never await network I/O
 * inside one. Reads need no queue: better-sqlite3 executes each statement synchronously.
 */
@Injectable()
export class Database implements OnApplicationShutdown {
  private readonly log = new Logger(Database.name);
  private readonly writes = new SerialQueue();

  constructor(readonly dataSource: DataSource) {}

  write<T>(work: (tx: EntityManager) => Promise<T>): Promise<T> {
    return this.writes.run(() => this.dataSource.transaction(work));
  }

  get manager(): EntityManager {
    return this.dataSource.manager;
  }

  async ping(): Promise<boolean> {
    try {
      await this.dataSource.query('SELECT 1');
      return true;
    } catch {
      return false;
    }
  }

  async onApplicationShutdown(): Promise<void> {
    await this.writes.idle();
    if (this.dataSource.isInitialized) await this.dataSource.destroy();
    this.log.log('database closed');
  }
}

/** Opens the database and brings its schema up to date. */
export async function openDatabase(options: ConstructorParameters<typeof DataSource>[0]): Promise<DataSource> {
  const ds = new DataSource(options);
  await ds.initialize();
  await ds.runMigrations({ transaction: 'each' });
  return ds;
}

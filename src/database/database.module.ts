import { Global, Module } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { AppConfig } from '../config/app-config';
import { dataSourceOptions } from './data-source-options';
import { Database, openDatabase } from './database';

@Global()
@Module({
  providers: [
    { provide: DataSource, inject: [AppConfig], useFactory: (config: AppConfig) => openDatabase(dataSourceOptions(config)) },
    Database,
  ],
  exports: [Database, DataSource],
})
export class DatabaseModule {}

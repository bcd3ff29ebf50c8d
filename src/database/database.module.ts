import { DynamicModule, Global, Module } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { AppConfig } from '../config/app-config';
import { dataSourceOptions } from './data-source-options';
import { Database, openDatabase } from './database';

@Global()
@Module({})
export class DatabaseModule {
  /** `entities`: every entity of the app (src/entities.ts), passed in so this layer imports no feature */
  static forRoot(entities: Function[]): DynamicModule {
    return {
      module: DatabaseModule,
      providers: [{ provide: DataSource, inject: [AppConfig], useFactory: (config: AppConfig) => openDatabase(dataSourceOptions(config, entities)) }, Database],
      exports: [Database, DataSource],
    };
  }
}

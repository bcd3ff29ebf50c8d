// The DataSource for the TypeORM CLI (`npm run typeorm -- migration:generate migrations/<Name>`);
// the app builds the same options from the config it validated itself (database/data-source-options.ts).
import 'reflect-metadata';
import { DataSource } from 'typeorm';
import { loadConfig } from './config/app-config';
import { dataSourceOptions } from './database/data-source-options';
import { ENTITIES } from './entities';

export default new DataSource(dataSourceOptions(loadConfig(), ENTITIES));

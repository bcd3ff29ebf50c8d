import { DynamicModule, Global, Module } from '@nestjs/common';
import type { Logger } from 'pino';
import { AppConfig } from '../config/app-config';
import { Clock } from './clock';

export const ROOT_LOGGER = Symbol('ROOT_LOGGER');

/** Process-wide things every module may inject: the validated config, the clock, the logger. */
@Global()
@Module({})
export class CommonModule {
  static forRoot(config: AppConfig, logger: Logger): DynamicModule {
    return {
      module: CommonModule,
      providers: [{ provide: AppConfig, useValue: config }, { provide: ROOT_LOGGER, useValue: logger }, Clock],
      exports: [AppConfig, ROOT_LOGGER, Clock],
    };
  }
}

import { DynamicModule, Global, Module } from '@nestjs/common';
import { AppConfig } from '../config/app-config';
import { Clock } from '../shared/clock';
import { Scheduler } from './scheduler';

/** Process-wide things every module may inject: the validated config, the clock and the scheduler. */
@Global()
@Module({})
export class CommonModule {
  static forRoot(config: AppConfig, clock: Clock): DynamicModule {
    return {
      module: CommonModule,
      providers: [{ provide: AppConfig, useValue: config }, { provide: Clock, useValue: clock }, Scheduler],
      exports: [AppConfig, Clock, Scheduler],
    };
  }
}

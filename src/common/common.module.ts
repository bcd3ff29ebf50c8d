import { DynamicModule, Global, Module } from '@nestjs/common';
import { AppConfig } from '../config/app-config';
import { Clock, systemClock } from '../shared/clock';

/** Process-wide things every module may inject: the validated config and the clock. */
@Global()
@Module({})
export class CommonModule {
  static forRoot(config: AppConfig): DynamicModule {
    return {
      module: CommonModule,
      providers: [{ provide: AppConfig, useValue: config }, { provide: Clock, useValue: systemClock }],
      exports: [AppConfig, Clock],
    };
  }
}

import { DynamicModule, Module } from '@nestjs/common';
import { ScheduleModule } from '@nestjs/schedule';
import type { Logger } from 'pino';
import { CommonModule } from './common/common.module';
import { AppConfig } from './config/app-config';
import { DatabaseModule } from './database/database.module';
import { OperationsModule } from './operations/operations.module';

@Module({})
export class AppModule {
  static forRoot(config: AppConfig, logger: Logger): DynamicModule {
    return {
      module: AppModule,
      imports: [CommonModule.forRoot(config, logger), ScheduleModule.forRoot(), DatabaseModule, OperationsModule],
    };
  }
}

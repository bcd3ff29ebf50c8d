import { DynamicModule, Module, ValidationPipe } from '@nestjs/common';
import { APP_FILTER, APP_PIPE } from '@nestjs/core';
import { ScheduleModule } from '@nestjs/schedule';
import { ApplicationsModule } from './applications/applications.module';
import { AuditModule } from './audit/audit.module';
import { ChannelsModule } from './channels/channels.module';
import { AuthModule } from './auth/auth.module';
import { ClustersModule } from './clusters/clusters.module';
import { EventsModule } from './events/events.module';
import { CommonModule } from './common/common.module';
import { AllExceptionsFilter } from './common/errors/exception.filter';
import { AppConfig } from './config/app-config';
import { DatabaseModule } from './database/database.module';
import { ENTITIES } from './entities';
import { OperationsModule } from './operations/operations.module';
import { RepositoriesModule } from './repositories/repositories.module';
import { SecurityModule } from './security/security.module';
import { SummariesModule } from './summaries/summaries.module';
import { WebModule } from './web/web.module';
import type { Clock } from './shared/clock';

/** Unknown fields are refused, types are checked, and messages name the field. */
export const validationPipe = () =>
  new ValidationPipe({ whitelist: true, forbidNonWhitelisted: true, transform: true, stopAtFirstError: false, validationError: { target: false, value: false } });

@Module({})
export class AppModule {
  static forRoot(config: AppConfig, clock: Clock): DynamicModule {
    return {
      module: AppModule,
      imports: [
        CommonModule.forRoot(config, clock),
        ScheduleModule.forRoot(),
        DatabaseModule.forRoot(ENTITIES),
        SecurityModule,
        AuditModule,
        AuthModule,
        OperationsModule,
        EventsModule,
        ClustersModule,
        RepositoriesModule,
        ChannelsModule,
        ApplicationsModule,
        SummariesModule,
        WebModule,
      ],
      providers: [
        { provide: APP_PIPE, useFactory: validationPipe },
        { provide: APP_FILTER, useClass: AllExceptionsFilter },
      ],
    };
  }
}

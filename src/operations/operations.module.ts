import { Global, Module } from '@nestjs/common';
import { Heartbeat } from './heartbeat';
import { Metrics } from './metrics';
import { OperationsController } from './operations.controller';

@Global()
@Module({
  controllers: [OperationsController],
  providers: [Metrics, Heartbeat],
  exports: [Metrics],
})
export class OperationsModule {}

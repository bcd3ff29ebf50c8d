import { Global, Module } from '@nestjs/common';
import { Heartbeat } from './heartbeat';
import { Metrics } from './metrics';
import { OperationsController } from './operations.controller';
import { RenderToolsStatus } from './render-tools-status';

@Global()
@Module({
  controllers: [OperationsController],
  providers: [Metrics, Heartbeat, RenderToolsStatus],
  exports: [Metrics],
})
export class OperationsModule {}

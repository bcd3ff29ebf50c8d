import { Global, Module } from '@nestjs/common';
import { EventsController } from './events.controller';
import { LiveEvents } from './live-events';

/** Live events: any module publishes through LiveEvents; GET /api/v1/events streams them. */
@Global()
@Module({
  controllers: [EventsController],
  providers: [LiveEvents],
  exports: [LiveEvents],
})
export class EventsModule {}

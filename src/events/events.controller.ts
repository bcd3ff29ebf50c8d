import { Controller, Get, Query, Req, Res } from '@nestjs/common';
import { ApiBearerAuth, ApiOperation, ApiResponse, ApiTags } from '@nestjs/swagger';
import type { Request, Response } from 'express';
import { MinRole } from '../auth/roles.decorator';
import { ApiErrors } from '../common/dto/error.view';
import { EventsQuery } from './dto/events.query';
import { LiveEvents, type LiveEvent } from './live-events';

/** a comment line this often keeps proxies from closing an idle stream */
const KEEPALIVE_MS = 15_000;

@ApiTags('events')
@ApiBearerAuth()
@Controller('api/v1/events')
export class EventsController {
  constructor(private readonly events: LiveEvents) {}

  @Get()
  @MinRole('viewer')
  @ApiOperation({ operationId: 'streamEvents', summary: 'Server-sent events of target, run, application, cluster and delivery changes' })
  @ApiResponse({ status: 200, description: 'an event stream: `event: <type>` and `data: <JSON>` per change', content: { 'text/event-stream': { schema: { type: 'string' } } } })
  @ApiErrors(400, 401, 429)
  stream(@Query() q: EventsQuery, @Req() req: Request, @Res() res: Response): void {
    const types = q.types ? new Set(q.types.split(',')) : undefined;
    res.status(200).set({ 'content-type': 'text/event-stream; charset=utf-8', 'cache-control': 'no-cache, no-transform', connection: 'keep-alive', 'x-accel-buffering': 'no' });
    res.flushHeaders();
    res.write(': connected\n\n');
    const send = (e: LiveEvent) => {
      if (types && !types.has(e.type)) return;
      if (q.application && 'application' in e && e.application !== q.application) return;
      if (q.application && !('application' in e)) return;
      // a reader that cannot keep up is dropped rather than buffered without bound
      if (res.writableLength > 1_000_000) return void res.end();
      res.write(`event: ${e.type}\ndata: ${JSON.stringify(e)}\n\n`);
    };
    const unsubscribe = this.events.subscribe(send);
    const keepalive = setInterval(() => res.write(': keepalive\n\n'), KEEPALIVE_MS);
    keepalive.unref();
    const untrack = this.events.track(() => res.end());
    const close = () => {
      clearInterval(keepalive);
      unsubscribe();
      untrack();
    };
    req.on('close', close);
    res.on('close', close);
  }
}

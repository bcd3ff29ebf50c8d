import { Controller, Get, Header, Res, ServiceUnavailableException } from '@nestjs/common';
import { ApiExcludeController } from '@nestjs/swagger';
import type { Response } from 'express';
import { Public } from '../auth/public.decorator';
import { Database } from '../database/database';
import { Heartbeat } from './heartbeat';
import { Metrics } from './metrics';

@ApiExcludeController()
@Public()
@Controller()
export class OperationsController {
  constructor(
    private readonly db: Database,
    private readonly heartbeat: Heartbeat,
    private readonly metrics: Metrics,
  ) {}

  /** Alive: the process answers. */
  @Get('healthz')
  healthz() {
    return { status: 'ok' };
  }

  /** Ready: the database answers and the scheduler is ticking. */
  @Get('readyz')
  async readyz() {
    const database = await this.db.ping();
    const scheduler = this.heartbeat.alive();
    const body = { status: database && scheduler ? 'ok' : 'unavailable', checks: { database, scheduler } };
    if (!database || !scheduler) throw new ServiceUnavailableException(body);
    return body;
  }

  @Get('metrics')
  @Header('cache-control', 'no-store')
  async metricsText(@Res() res: Response) {
    res.setHeader('content-type', this.metrics.registry.contentType);
    res.send(await this.metrics.registry.metrics());
  }
}

import { Controller, Get, Header, Res, ServiceUnavailableException } from '@nestjs/common';
import { ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import type { Response } from 'express';
import { Public } from '../auth/public.decorator';
import { ApiErrors } from '../common/dto/error.view';
import { Database } from '../database/database';
import { HealthView, ReadinessView } from './dto/health.view';
import { Heartbeat } from './heartbeat';
import { Metrics } from './metrics';

@ApiTags('operations')
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
  @ApiOperation({ operationId: 'getHealth', summary: 'Liveness: the process answers' })
  @ApiOkResponse({ type: HealthView })
  @ApiErrors()
  healthz(): HealthView {
    return { status: 'ok' };
  }

  /** Ready: the database answers and the scheduler is ticking. */
  @Get('readyz')
  @ApiOperation({ operationId: 'getReadiness', summary: 'Readiness: the database answers and the scheduler ticks' })
  @ApiOkResponse({ type: ReadinessView })
  @ApiErrors(503)
  async readyz(): Promise<ReadinessView> {
    const database = await this.db.ping();
    const scheduler = this.heartbeat.alive();
    const body: ReadinessView = { status: database && scheduler ? 'ok' : 'unavailable', checks: { database, scheduler } };
    if (!database || !scheduler) throw new ServiceUnavailableException(body);
    return body;
  }

  @Get('metrics')
  @Header('cache-control', 'no-store')
  @ApiOperation({ operationId: 'getMetrics', summary: 'Prometheus metrics' })
  @ApiOkResponse({ description: 'Prometheus text exposition format', content: { 'text/plain': { schema: { type: 'string' } } } })
  @ApiErrors()
  async metricsText(@Res() res: Response): Promise<void> {
    res.setHeader('content-type', this.metrics.registry.contentType);
    res.send(await this.metrics.registry.metrics());
  }
}

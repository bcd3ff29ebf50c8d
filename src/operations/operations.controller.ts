import { Controller, Get, Header, Res } from '@nestjs/common';
import { ApiOkResponse, ApiOperation, ApiResponse, ApiTags } from '@nestjs/swagger';
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
  // not ready: the same body, saying which check failed (a probe's log shows it)
  @ApiResponse({ status: 503, description: 'Not ready: a check failed', type: ReadinessView })
  @ApiErrors()
  async readyz(@Res({ passthrough: true }) res: Response): Promise<ReadinessView> {
    const database = await this.db.ping();
    const scheduler = this.heartbeat.alive();
    const ready = database && scheduler;
    if (!ready) res.status(503);
    return { status: ready ? 'ok' : 'unavailable', checks: { database, scheduler } };
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

import { Controller, Get, Header, Req, Res } from '@nestjs/common';
import { ApiOkResponse, ApiOperation, ApiResponse, ApiTags } from '@nestjs/swagger';
import type { Request, Response } from 'express';
import { AccessDenials } from '../auth/access-denials';
import { FailedAuthLimiter } from '../auth/failed-auth-limiter';
import { Public } from '../auth/public.decorator';
import { ApiErrors } from '../common/dto/error.view';
import { AppConfig } from '../config/app-config';
import { Database } from '../database/database';
import { UnauthorizedError } from '../shared/errors';
import { secretsEqual } from '../shared/secret-compare';
import { HealthView, ReadinessView } from './dto/health.view';
import { Heartbeat } from './heartbeat';
import { Metrics } from './metrics';
import { RenderToolsStatus } from './render-tools-status';

const BEARER = /^Bearer ([\x21-\x7e]{1,512})$/;

@ApiTags('operations')
@Public()
@Controller()
export class OperationsController {
  constructor(
    private readonly db: Database,
    private readonly heartbeat: Heartbeat,
    private readonly metrics: Metrics,
    private readonly config: AppConfig,
    private readonly limiter: FailedAuthLimiter,
    private readonly denials: AccessDenials,
    private readonly renderTools: RenderToolsStatus,
  ) {}

  /** Alive: the process answers. */
  @Get('healthz')
  @ApiOperation({ operationId: 'getHealth', summary: 'Liveness: the process answers' })
  @ApiOkResponse({ type: HealthView })
  @ApiErrors()
  healthz(): HealthView {
    return { status: 'ok' };
  }

  /** Ready: the database answers and the scheduler is ticking. Also says which renderers there are (not a check). */
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
    // reported, not a check: a missing renderer fails only what needs it, each target saying why
    const [kustomize, helm] = (await this.renderTools.status()).map(({ renderer: _renderer, ...view }) => view);
    return { status: ready ? 'ok' : 'unavailable', checks: { database, scheduler }, renderers: { kustomize, helm } };
  }

  @Get('metrics')
  @Header('cache-control', 'no-store')
  @ApiOperation({ operationId: 'getMetrics', summary: 'Prometheus metrics' })
  @ApiOkResponse({ description: 'Prometheus text exposition format', content: { 'text/plain': { schema: { type: 'string' } } } })
  @ApiErrors(401, 429)
  async metricsText(@Req() req: Request, @Res() res: Response): Promise<void> {
    await this.checkMetricsToken(req, res);
    res.setHeader('content-type', this.metrics.registry.contentType);
    res.send(await this.metrics.registry.metrics());
  }

  /**
   * With `metrics.token` set, /metrics needs `Authorization: Bearer <that token>` (what
   * Prometheus's `authorization` scrape setting sends), compared in constant time. A wrong or
   * missing one is a failed authentication like a bad API token: 401, audited, counted per address
   * (429 past security.failedAuthPerMinute). API tokens are not accepted here.
   */
  private async checkMetricsToken(req: Request, res: Response): Promise<void> {
    const token = this.config.metrics.token;
    if (!token) return;
    const match = BEARER.exec(req.header('authorization') ?? '');
    // compared even when there is none, so a missing header takes as long as a wrong one
    if (secretsEqual(match?.[1] ?? '', token) && match) return;
    this.limiter.fail(req.ip ?? 'unknown');
    const reason = match ? 'wrong metrics token' : 'missing bearer token';
    await this.denials.record({ actor: 'anonymous', action: 'auth.failed', subject: `${req.method} ${req.path}`, details: { reason } });
    res.setHeader('www-authenticate', 'Bearer realm="flotilla metrics"');
    throw new UnauthorizedError(match ? 'wrong metrics token' : 'an Authorization: Bearer <metrics.token> header is required');
  }
}

import { Controller, Get, Param, Query } from '@nestjs/common';
import { ApiBearerAuth, ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { MinRole } from '../auth/roles.decorator';
import { ApiErrors } from '../common/dto/error.view';
import { NamePipe } from '../common/name.pipe';
import { ApplicationRunsSummaryQuery, SummaryRangeQuery } from './dto/summary.dto';
import { ApplicationRunsSummaryView, DeliveriesSummaryView, HealthSummaryView, RunsSummaryView } from './dto/summary.view';
import { SummariesService } from './summaries.service';
import { DEFAULT_HOURS } from './time-range';

/** What happened over a time window, aggregated by the database: the web UI's charts. */
@ApiTags('summaries')
@ApiBearerAuth()
@Controller('api/v1')
export class SummariesController {
  constructor(private readonly summaries: SummariesService) {}

  @Get('summaries/runs')
  @MinRole('viewer')
  @ApiOperation({ operationId: 'getRunsSummary', summary: "The fleet's sync runs per time bucket, by phase" })
  @ApiOkResponse({ type: RunsSummaryView })
  @ApiErrors(400, 401, 429)
  runs(@Query() q: SummaryRangeQuery): Promise<RunsSummaryView> {
    return this.summaries.runs(q.hours ?? DEFAULT_HOURS);
  }

  @Get('summaries/health')
  @MinRole('viewer')
  @ApiOperation({ operationId: 'getHealthSummary', summary: 'Targets by health at the end of each time bucket' })
  @ApiOkResponse({ type: HealthSummaryView })
  @ApiErrors(400, 401, 429)
  health(@Query() q: SummaryRangeQuery): Promise<HealthSummaryView> {
    return this.summaries.health(q.hours ?? DEFAULT_HOURS);
  }

  @Get('applications/:name/summaries/runs')
  @MinRole('viewer')
  @ApiOperation({ operationId: 'getApplicationRunsSummary', summary: "An application's sync runs in a time window: start, duration and outcome of each" })
  @ApiOkResponse({ type: ApplicationRunsSummaryView })
  @ApiErrors(400, 401, 404, 429)
  applicationRuns(@Param('name', NamePipe) name: string, @Query() q: ApplicationRunsSummaryQuery): Promise<ApplicationRunsSummaryView> {
    return this.summaries.applicationRuns(name, { hours: q.hours ?? DEFAULT_HOURS, cluster: q.cluster, namespace: q.namespace, limit: q.limit ?? 500 });
  }

  @Get('channels/:name/summaries/deliveries')
  @MinRole('viewer')
  @ApiOperation({ operationId: 'getChannelDeliveriesSummary', summary: "A channel's deliveries per time bucket: counts by state, latency median and maximum" })
  @ApiOkResponse({ type: DeliveriesSummaryView })
  @ApiErrors(400, 401, 404, 429)
  deliveries(@Param('name', NamePipe) name: string, @Query() q: SummaryRangeQuery): Promise<DeliveriesSummaryView> {
    return this.summaries.deliveries(name, q.hours ?? DEFAULT_HOURS);
  }
}

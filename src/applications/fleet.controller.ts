import { Controller, Get, Query } from '@nestjs/common';
import { ApiBearerAuth, ApiExtraModels, ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { MinRole } from '../auth/roles.decorator';
import { ApiErrors } from '../common/dto/error.view';
import { FLEET_PAGE_DEFAULT, FleetQuery } from './dto/fleet.dto';
import { FleetCellView, FleetView } from './dto/fleet.view';
import { FleetStatus } from './fleet-status';

/** The fleet matrix in one compact answer: counts per application and cluster, not targets. */
@ApiTags('applications')
@ApiBearerAuth()
@ApiExtraModels(FleetCellView)
@Controller('api/v1/fleet')
export class FleetController {
  constructor(private readonly fleet: FleetStatus) {}

  @Get()
  @MinRole('viewer')
  @ApiOperation({
    operationId: 'getFleet',
    summary: 'Applications × clusters: per application, its targets on each cluster counted by sync and health; filtered by name, labels and cluster selector',
  })
  @ApiOkResponse({ type: FleetView, description: 'rows sorted by name; columns are the selected clusters, once' })
  @ApiErrors(400, 401, 429)
  get(@Query() q: FleetQuery): Promise<FleetView> {
    return this.fleet.page({ name: q.name, selector: q.selector, clusterSelector: q.clusterSelector, limit: q.limit ?? FLEET_PAGE_DEFAULT, cursor: q.cursor });
  }
}

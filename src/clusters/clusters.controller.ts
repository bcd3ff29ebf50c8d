import { Body, Controller, Delete, Get, HttpCode, Param, Patch, Post, Query } from '@nestjs/common';
import { ApiBearerAuth, ApiCreatedResponse, ApiNoContentResponse, ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { MinRole } from '../auth/roles.decorator';
import { ApiErrors } from '../common/dto/error.view';
import { NamePipe } from '../common/name.pipe';
import { ClusterChecks } from './cluster-checks';
import { ClustersService } from './clusters.service';
import { CreateClusterDto, ListClustersQuery, UpdateClusterDto } from './dto/cluster.dto';
import { clusterView, ClusterView } from './dto/cluster.view';

@ApiTags('clusters')
@ApiBearerAuth()
@Controller('api/v1/clusters')
export class ClustersController {
  constructor(
    private readonly clusters: ClustersService,
    private readonly checks: ClusterChecks,
  ) {}

  @Post()
  @MinRole('admin')
  @ApiOperation({ summary: 'Register a cluster' })
  @ApiCreatedResponse({ type: ClusterView, description: 'registered and checked once; a cluster that is down is registered too (phase Unreachable)' })
  @ApiErrors(400, 401, 403, 409, 413, 415, 422, 429)
  async create(@Body() dto: CreateClusterDto): Promise<ClusterView> {
    return clusterView(await this.clusters.create(dto));
  }

  @Get()
  @MinRole('viewer')
  @ApiOperation({ summary: 'List clusters, optionally by label selector' })
  @ApiOkResponse({ type: [ClusterView], description: 'sorted by name' })
  @ApiErrors(400, 401, 429)
  async list(@Query() q: ListClustersQuery): Promise<ClusterView[]> {
    return (await this.clusters.list(q.selector)).map(clusterView);
  }

  @Get(':name')
  @MinRole('viewer')
  @ApiOperation({ summary: 'Get a cluster' })
  @ApiOkResponse({ type: ClusterView })
  @ApiErrors(400, 401, 404, 429)
  async get(@Param('name', NamePipe) name: string): Promise<ClusterView> {
    return clusterView(await this.clusters.get(name));
  }

  @Patch(':name')
  @MinRole('admin')
  @ApiOperation({ summary: 'Change labels, server, TLS or credentials of a cluster' })
  @ApiOkResponse({ type: ClusterView, description: 'when the connection changed, checked again' })
  @ApiErrors(400, 401, 403, 404, 413, 415, 422, 429)
  async update(@Param('name', NamePipe) name: string, @Body() dto: UpdateClusterDto): Promise<ClusterView> {
    return clusterView(await this.clusters.update(name, dto));
  }

  @Delete(':name')
  @MinRole('admin')
  @HttpCode(204)
  @ApiOperation({ summary: 'Stop managing a cluster' })
  @ApiNoContentResponse({ description: 'no longer managed; its workloads keep running' })
  @ApiErrors(400, 401, 403, 404, 429)
  remove(@Param('name', NamePipe) name: string): Promise<void> {
    return this.clusters.remove(name);
  }

  @Post(':name/check')
  @MinRole('operator')
  @HttpCode(200)
  @ApiOperation({ summary: 'Check connectivity of a cluster now' })
  @ApiOkResponse({ type: ClusterView, description: 'checked now; the outcome is in status' })
  @ApiErrors(400, 401, 403, 404, 429)
  async check(@Param('name', NamePipe) name: string): Promise<ClusterView> {
    return clusterView(await this.checks.check(name));
  }
}

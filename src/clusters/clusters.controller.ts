import { Body, Controller, Delete, Get, HttpCode, Param, Patch, Post, Query } from '@nestjs/common';
import { ApiBearerAuth, ApiTags } from '@nestjs/swagger';
import { MinRole } from '../auth/roles.decorator';
import { NamePipe } from '../common/name.pipe';
import { ClusterChecks } from './cluster-checks';
import { clusterView, ClustersService } from './clusters.service';
import { CreateClusterDto, ListClustersQuery, UpdateClusterDto } from './dto/cluster.dto';

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
  async create(@Body() dto: CreateClusterDto) {
    return clusterView(await this.clusters.create(dto));
  }

  @Get()
  @MinRole('viewer')
  async list(@Query() q: ListClustersQuery) {
    return (await this.clusters.list(q.selector)).map(clusterView);
  }

  @Get(':name')
  @MinRole('viewer')
  async get(@Param('name', NamePipe) name: string) {
    return clusterView(await this.clusters.get(name));
  }

  @Patch(':name')
  @MinRole('admin')
  async update(@Param('name', NamePipe) name: string, @Body() dto: UpdateClusterDto) {
    return clusterView(await this.clusters.update(name, dto));
  }

  @Delete(':name')
  @MinRole('admin')
  @HttpCode(204)
  remove(@Param('name', NamePipe) name: string) {
    return this.clusters.remove(name);
  }

  @Post(':name/check')
  @MinRole('operator')
  @HttpCode(200)
  async check(@Param('name', NamePipe) name: string) {
    return clusterView(await this.checks.check(name));
  }
}

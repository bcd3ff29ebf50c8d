import { Body, Controller, Delete, Get, HttpCode, Param, Patch, Post, Query, Res } from '@nestjs/common';
import { ApiAcceptedResponse, ApiBearerAuth, ApiCreatedResponse, ApiNoContentResponse, ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import type { Response } from 'express';
import { CurrentPrincipal, type Principal } from '../auth/principal';
import { MinRole } from '../auth/roles.decorator';
import { ApiErrors } from '../common/dto/error.view';
import { NamePipe } from '../common/name.pipe';
import { ApplicationViews } from './application-views';
import { ApplicationsService } from './applications.service';
import {
  CreateApplicationDto,
  DeleteApplicationQuery,
  DiffQuery,
  HistoryQuery,
  ListApplicationsQuery,
  RollbackRequestDto,
  SyncRequestDto,
  UpdateApplicationDto,
} from './dto/application.dto';
import { ApplicationPageView, ApplicationView, DiffView, RollbackAcceptedView, SyncAcceptedView, SyncRunPageView, syncRunView } from './dto/application.view';
import { SyncRuns } from './sync-runs';

const ref = (t: { cluster: string; namespace: string }) => ({ cluster: t.cluster, namespace: t.namespace });

@ApiTags('applications')
@ApiBearerAuth()
@Controller('api/v1/applications')
export class ApplicationsController {
  constructor(
    private readonly applications: ApplicationsService,
    private readonly views: ApplicationViews,
    private readonly runs: SyncRuns,
  ) {}

  @Post()
  @MinRole('admin')
  @ApiOperation({ summary: 'Create an application: a repository path fanned out to cluster/namespace targets' })
  @ApiCreatedResponse({ type: ApplicationView, description: 'stored; its targets are queued for a first sync' })
  @ApiErrors(400, 401, 403, 409, 413, 415, 429)
  async create(@Body() dto: CreateApplicationDto): Promise<ApplicationView> {
    return this.views.one(await this.applications.create(dto));
  }

  @Get()
  @MinRole('viewer')
  @ApiOperation({ summary: 'List applications with their status, optionally by label selector' })
  @ApiOkResponse({ type: ApplicationPageView, description: 'sorted by name; targets without their resources' })
  @ApiErrors(400, 401, 429)
  async list(@Query() q: ListApplicationsQuery): Promise<ApplicationPageView> {
    const page = await this.applications.list({ selector: q.selector, limit: q.limit ?? 100, cursor: q.cursor });
    return { items: await this.views.many(page.items), nextCursor: page.nextCursor };
  }

  @Get(':name')
  @MinRole('viewer')
  @ApiOperation({ summary: 'Get an application with the status of every target and resource' })
  @ApiOkResponse({ type: ApplicationView })
  @ApiErrors(400, 401, 404, 429)
  async get(@Param('name', NamePipe) name: string): Promise<ApplicationView> {
    return this.views.one(await this.applications.get(name));
  }

  @Patch(':name')
  @MinRole('admin')
  @ApiOperation({ summary: 'Change an application; setting revision ends a rollback pin' })
  @ApiOkResponse({ type: ApplicationView, description: 'stored; the fan-out is updated and every target checked now' })
  @ApiErrors(400, 401, 403, 404, 409, 413, 415, 429)
  async update(@Param('name', NamePipe) name: string, @Body() dto: UpdateApplicationDto): Promise<ApplicationView> {
    return this.views.one(await this.applications.update(name, dto));
  }

  @Delete(':name')
  @MinRole('admin')
  @ApiOperation({ summary: 'Delete an application; with cascade=true, delete what it deployed on every target first' })
  @ApiNoContentResponse({ description: 'without cascade: gone; deployed objects stay' })
  @ApiAcceptedResponse({ type: ApplicationView, description: 'with cascade: deletion under way (see deletion); 404 once done' })
  @ApiErrors(400, 401, 403, 404, 429)
  async remove(@Param('name', NamePipe) name: string, @Query() q: DeleteApplicationQuery, @Res({ passthrough: true }) res: Response): Promise<ApplicationView | void> {
    const left = await this.applications.remove(name, q.cascade === 'true');
    if (!left) {
      res.status(q.cascade === 'true' ? 202 : 204);
      return;
    }
    res.status(202);
    return this.views.one(left);
  }

  @Post(':name/sync')
  @MinRole('operator')
  @HttpCode(202)
  @ApiOperation({ summary: 'Sync now, every target or some; with dryRun, say what a sync would do' })
  @ApiAcceptedResponse({ type: SyncAcceptedView, description: 'queued ahead of periodic work' })
  @ApiOkResponse({ type: DiffView, description: 'dryRun: what each target would change; nothing written' })
  @ApiErrors(400, 401, 403, 404, 409, 413, 415, 429)
  async sync(
    @Param('name', NamePipe) name: string,
    @Body() dto: SyncRequestDto,
    @CurrentPrincipal() who: Principal,
    @Res({ passthrough: true }) res: Response,
  ): Promise<SyncAcceptedView | DiffView> {
    if (dto.dryRun) {
      const app = await this.applications.get(name);
      const targets = await this.applications.chooseTargets(name, dto.targets);
      res.status(200);
      return this.views.diff(app, targets, dto.revision);
    }
    return { queued: (await this.applications.sync(name, dto, who.name)).map(ref) };
  }

  @Get(':name/diff')
  @MinRole('viewer')
  @ApiOperation({ summary: 'Desired against live, per target and object, with field differences' })
  @ApiOkResponse({ type: DiffView })
  @ApiErrors(400, 401, 404, 429)
  async diff(@Param('name', NamePipe) name: string, @Query() q: DiffQuery): Promise<DiffView> {
    const app = await this.applications.get(name);
    return this.views.diff(app, await this.applications.chooseTargets(name, undefined), q.revision);
  }

  @Get(':name/history')
  @MinRole('viewer')
  @ApiOperation({ summary: 'Sync runs of the application, newest first' })
  @ApiOkResponse({ type: SyncRunPageView })
  @ApiErrors(400, 401, 404, 429)
  async history(@Param('name', NamePipe) name: string, @Query() q: HistoryQuery): Promise<SyncRunPageView> {
    await this.applications.get(name);
    const page = await this.runs.history(name, { cluster: q.cluster, namespace: q.namespace, limit: q.limit ?? 50, cursor: q.cursor ? Number(q.cursor) : undefined });
    return { items: page.items.map(syncRunView), nextCursor: page.nextCursor };
  }

  @Post(':name/rollback')
  @MinRole('operator')
  @HttpCode(202)
  @ApiOperation({ summary: "Re-apply an earlier run's revision on every target, and pin the application to it" })
  @ApiAcceptedResponse({ type: RollbackAcceptedView, description: 'pinned and queued; setting revision again unpins' })
  @ApiErrors(400, 401, 403, 404, 409, 413, 415, 429)
  async rollback(@Param('name', NamePipe) name: string, @Body() dto: RollbackRequestDto, @CurrentPrincipal() who: Principal): Promise<RollbackAcceptedView> {
    const { revision, targets } = await this.applications.rollback(name, dto.syncRunId, who.name);
    return { revision, queued: targets.map(ref) };
  }
}

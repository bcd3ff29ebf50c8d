import { Body, Controller, Delete, Get, HttpCode, Param, Patch, Post } from '@nestjs/common';
import { ApiBearerAuth, ApiCreatedResponse, ApiNoContentResponse, ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { MinRole } from '../auth/roles.decorator';
import { ApiErrors } from '../common/dto/error.view';
import { NamePipe } from '../common/name.pipe';
import { CreateRepositoryDto, UpdateRepositoryDto } from './dto/repository.dto';
import { refreshView, RepositoryRefreshView, repositoryView, RepositoryView } from './dto/repository.view';
import { RepositoriesService } from './repositories.service';

@ApiTags('repositories')
@ApiBearerAuth()
@Controller('api/v1/repositories')
export class RepositoriesController {
  constructor(private readonly repositories: RepositoriesService) {}

  @Post()
  @MinRole('admin')
  @ApiOperation({ summary: 'Register a repository' })
  @ApiCreatedResponse({ type: RepositoryView, description: 'stored and fetched once; a repository that cannot be fetched yet is stored too, with the reason in status' })
  @ApiErrors(400, 401, 403, 409, 413, 415, 429)
  async create(@Body() dto: CreateRepositoryDto): Promise<RepositoryView> {
    return repositoryView(await this.repositories.create(dto));
  }

  @Get()
  @MinRole('viewer')
  @ApiOperation({ summary: 'List repositories' })
  @ApiOkResponse({ type: [RepositoryView], description: 'sorted by name' })
  @ApiErrors(401, 429)
  async list(): Promise<RepositoryView[]> {
    return (await this.repositories.list()).map(repositoryView);
  }

  @Get(':name')
  @MinRole('viewer')
  @ApiOperation({ summary: 'Get a repository' })
  @ApiOkResponse({ type: RepositoryView })
  @ApiErrors(400, 401, 404, 429)
  async get(@Param('name', NamePipe) name: string): Promise<RepositoryView> {
    return repositoryView(await this.repositories.get(name));
  }

  @Patch(':name')
  @MinRole('admin')
  @ApiOperation({ summary: 'Change a repository' })
  @ApiOkResponse({ type: RepositoryView })
  @ApiErrors(400, 401, 403, 404, 413, 415, 429)
  async update(@Param('name', NamePipe) name: string, @Body() dto: UpdateRepositoryDto): Promise<RepositoryView> {
    return repositoryView(await this.repositories.update(name, dto));
  }

  @Delete(':name')
  @MinRole('admin')
  @HttpCode(204)
  @ApiOperation({ summary: 'Remove a repository and its mirror' })
  @ApiNoContentResponse({ description: 'removed, with its mirror' })
  @ApiErrors(400, 401, 403, 404, 409, 429)
  remove(@Param('name', NamePipe) name: string): Promise<void> {
    return this.repositories.remove(name);
  }

  /** Fetches now; answers with the branch head and every branch and tag the fetch saw. */
  @Post(':name/refresh')
  @MinRole('operator')
  @HttpCode(200)
  @ApiOperation({ summary: 'Fetch a repository now' })
  @ApiOkResponse({ type: RepositoryRefreshView })
  @ApiErrors(400, 401, 403, 404, 429, 502)
  async refresh(@Param('name', NamePipe) name: string): Promise<RepositoryRefreshView> {
    return refreshView(await this.repositories.refresh(name));
  }
}

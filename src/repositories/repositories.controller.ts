import { Body, Controller, Delete, Get, HttpCode, Param, Patch, Post } from '@nestjs/common';
import { ApiBearerAuth, ApiTags } from '@nestjs/swagger';
import { MinRole } from '../auth/roles.decorator';
import { NamePipe } from '../common/name.pipe';
import { CreateRepositoryDto, UpdateRepositoryDto } from './dto/repository.dto';
import { RepositoriesService, repositoryView } from './repositories.service';

@ApiTags('repositories')
@ApiBearerAuth()
@Controller('api/v1/repositories')
export class RepositoriesController {
  constructor(private readonly repositories: RepositoriesService) {}

  @Post()
  @MinRole('admin')
  async create(@Body() dto: CreateRepositoryDto) {
    return repositoryView(await this.repositories.create(dto));
  }

  @Get()
  @MinRole('viewer')
  async list() {
    return (await this.repositories.list()).map(repositoryView);
  }

  @Get(':name')
  @MinRole('viewer')
  async get(@Param('name', NamePipe) name: string) {
    return repositoryView(await this.repositories.get(name));
  }

  @Patch(':name')
  @MinRole('admin')
  async update(@Param('name', NamePipe) name: string, @Body() dto: UpdateRepositoryDto) {
    return repositoryView(await this.repositories.update(name, dto));
  }

  @Delete(':name')
  @MinRole('admin')
  @HttpCode(204)
  remove(@Param('name', NamePipe) name: string) {
    return this.repositories.remove(name);
  }

  /** Fetches now; answers with the branch head and every branch and tag the fetch saw. */
  @Post(':name/refresh')
  @MinRole('operator')
  @HttpCode(200)
  async refresh(@Param('name', NamePipe) name: string) {
    const result = await this.repositories.refresh(name);
    return { revision: result.revision ?? null, refs: result.refs, moved: result.moved, fetchedAt: result.fetchedAt };
  }
}

import { Module } from '@nestjs/common';
import { GitWebhookController } from './git-webhook.controller';
import { RepositoriesController } from './repositories.controller';
import { RepositoriesService } from './repositories.service';
import { RepositoryEvents } from './repository-events';
import { RepositoryPolling } from './repository-polling';

@Module({
  controllers: [RepositoriesController, GitWebhookController],
  providers: [RepositoriesService, RepositoryEvents, RepositoryPolling],
  exports: [RepositoriesService, RepositoryEvents],
})
export class RepositoriesModule {}

import { Module } from '@nestjs/common';
import { GitWebhookController } from './git-webhook.controller';
import { PushReceiver } from './push-receiver';
import { RepositoriesController } from './repositories.controller';
import { RepositoriesService } from './repositories.service';
import { RepositoryEvents } from './repository-events';
import { RepositoryFetches } from './repository-fetches';
import { RepositorySecrets } from './repository-secrets';
import { RepositoryUsage } from './repository-usage';

@Module({
  controllers: [RepositoriesController, GitWebhookController],
  providers: [RepositoriesService, RepositoryFetches, RepositorySecrets, RepositoryEvents, RepositoryUsage, PushReceiver],
  exports: [RepositoriesService, RepositoryFetches, RepositoryEvents, RepositoryUsage],
})
export class RepositoriesModule {}

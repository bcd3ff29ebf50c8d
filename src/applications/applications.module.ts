import { Module } from '@nestjs/common';
import { ClustersModule } from '../clusters/clusters.module';
import { RepositoriesModule } from '../repositories/repositories.module';
import { ApplicationMetrics } from './application-metrics';
import { ApplicationViews } from './application-views';
import { ApplicationsController } from './applications.controller';
import { ApplicationsService } from './applications.service';
import { DesiredState } from './desired-state';
import { ReconcileQueue } from './reconcile-queue';
import { SyncRuns } from './sync-runs';
import { TargetReconciler } from './target-reconciler';
import { TargetSet } from './target-set';

@Module({
  imports: [ClustersModule, RepositoriesModule],
  controllers: [ApplicationsController],
  providers: [ApplicationsService, ApplicationViews, ApplicationMetrics, DesiredState, ReconcileQueue, SyncRuns, TargetReconciler, TargetSet],
})
export class ApplicationsModule {}

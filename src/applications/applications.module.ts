import { Module } from '@nestjs/common';
import { ChannelsModule } from '../channels/channels.module';
import { ClustersModule } from '../clusters/clusters.module';
import { RepositoriesModule } from '../repositories/repositories.module';
import { ApplicationMetrics } from './application-metrics';
import { ApplicationViews } from './application-views';
import { ApplicationsController } from './applications.controller';
import { FleetController } from './fleet.controller';
import { FleetStatus } from './fleet-status';
import { TargetsController } from './targets.controller';
import { TargetTrees } from './target-trees';
import { ApplicationsService } from './applications.service';
import { DesiredState } from './desired-state';
import { LiveCaches } from './live-caches';
import { ReconcileQueue } from './reconcile-queue';
import { SyncRuns } from './sync-runs';
import { TargetHooks } from './target-hooks';
import { TargetReconciler } from './target-reconciler';
import { TargetSet } from './target-set';
import { TargetPlans } from './target-plans';
import { Targets } from './targets';
import { RolloutActions } from './rollout/rollout-actions';
import { RolloutController } from './rollout/rollout-controller';
import { RolloutsController } from './rollout/rollouts.controller';
import { SyncWindowPolicy } from './sync-window-policy';

@Module({
  imports: [ClustersModule, RepositoriesModule, ChannelsModule],
  controllers: [ApplicationsController, TargetsController, RolloutsController, FleetController],
  providers: [
    ApplicationsService,
    ApplicationViews,
    ApplicationMetrics,
    DesiredState,
    FleetStatus,
    LiveCaches,
    ReconcileQueue,
    SyncRuns,
    TargetHooks,
    TargetReconciler,
    TargetSet,
    TargetTrees,
    TargetPlans,
    Targets,
    RolloutController,
    RolloutActions,
    SyncWindowPolicy,
  ],
})
export class ApplicationsModule {}

import { Module } from '@nestjs/common';
import { ClusterChecks } from './cluster-checks';
import { ClusterClients } from './cluster-clients';
import { ClusterEvents } from './cluster-events';
import { ClustersController } from './clusters.controller';
import { ClustersService } from './clusters.service';

@Module({
  controllers: [ClustersController],
  providers: [ClustersService, ClusterClients, ClusterChecks, ClusterEvents],
  exports: [ClustersService, ClusterClients, ClusterEvents],
})
export class ClustersModule {}

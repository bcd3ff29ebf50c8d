import { Module } from '@nestjs/common';
import { ClusterChecks } from './cluster-checks';
import { ClusterClients } from './cluster-clients';
import { ClustersController } from './clusters.controller';
import { ClustersService } from './clusters.service';

@Module({
  controllers: [ClustersController],
  providers: [ClustersService, ClusterClients, ClusterChecks],
  exports: [ClustersService, ClusterClients],
})
export class ClustersModule {}

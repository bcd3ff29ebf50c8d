import { Inject, Injectable, OnApplicationShutdown } from '@nestjs/common';
import { KubeClient } from '../kube';
import { Metrics } from '../operations/metrics';
import { SecretBox } from '../security/secret-box';
import { Cluster } from './cluster.entity';

export const CREDENTIALS_PURPOSE = 'cluster.credentials';

export interface StoredCredentials {
  token?: string;
  certData?: string;
  keyData?: string;
}

/**
 * One KubeClient per registered cluster, reused by every feature (checks, sync, diff). A client
 * is rebuilt when the cluster's generation moves (server, TLS or credentials changed), so a
 * rotation through the API takes effect on the next call without a restart.
 */
@Injectable()
export class ClusterClients implements OnApplicationShutdown {
  private readonly cache = new Map<string, { generation: number; client: KubeClient }>();

  constructor(
    @Inject(SecretBox) private readonly box: SecretBox,
    private readonly metrics: Metrics,
  ) {}

  forCluster(cluster: Cluster): KubeClient {
    const cached = this.cache.get(cluster.name);
    if (cached && cached.generation === cluster.generation) return cached.client;
    cached?.client.close();
    const creds = JSON.parse(this.box.decrypt(cluster.credentials, CREDENTIALS_PURPOSE)) as StoredCredentials;
    const requests = this.metrics.kubeRequests;
    const client = KubeClient.fromCredentials(
      {
        name: cluster.name,
        server: cluster.server,
        caData: cluster.caData ?? undefined,
        insecureSkipVerify: cluster.insecureSkipVerify,
        ...creds,
      },
      { onRequest: ({ verb, dryRun }) => requests.inc({ cluster: cluster.name, verb: dryRun ? 'dryrun' : verb }) },
    );
    this.cache.set(cluster.name, { generation: cluster.generation, client });
    return client;
  }

  drop(name: string): void {
    this.cache.get(name)?.client.close();
    this.cache.delete(name);
  }

  onApplicationShutdown(): void {
    for (const name of [...this.cache.keys()]) this.drop(name);
  }
}

import type { AppConfig } from '../config/app-config';
import { DEFAULT_CLUSTER_RESOURCES, type SyncRequest } from '../engine';
import type { Application } from './application.entity';

/**
 * What an application's policy tells the engine on every plan, check and diff: what it may take
 * over beyond its own objects (SPEC §3 step 3) and which fields it leaves alone — the global
 * drift rules first, then its own. One place, so the reconciler and the API's diff agree.
 */
export function engineRules(app: Application, config: AppConfig): Required<Pick<SyncRequest, 'adopt' | 'pruneAdopted' | 'clusterResources' | 'ignoreDifferences'>> {
  const p = app.syncPolicy;
  return {
    adopt: p.adopt ?? false,
    pruneAdopted: p.pruneAdopted ?? false,
    clusterResources: p.clusterResources ?? DEFAULT_CLUSTER_RESOURCES,
    ignoreDifferences: [...config.sync.ignoreDifferences, ...(app.ignoreDifferences ?? [])],
  };
}

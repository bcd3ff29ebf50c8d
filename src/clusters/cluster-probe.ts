import { ClusterUnreachableError, KubeApiError, KubeClient, TlsVerificationError } from '../kube';
import { type Clock, systemClock, type Timer } from '../shared/clock';
import { ClusterPhase } from './cluster.entity';

export interface ProbeResult {
  phase: Exclude<ClusterPhase, 'Pending'>;
  kubernetesVersion: string | null;
  message: string;
}

function withTimeout<T>(work: Promise<T>, ms: number, server: string, clock: Clock): Promise<T> {
  let timer: Timer | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = clock.after(ms, () => reject(new ClusterUnreachableError(server, 'TIMEOUT', `no answer within ${ms / 1000} s`)));
  });
  return Promise.race([work, timeout]).finally(() => timer?.cancel());
}

/**
 * Is the cluster usable with these credentials? `/version` proves reachability, TLS and
 * authentication; listing one namespace proves the credentials may read something.
 * Every outcome carries a message a person can act on.
 */
export async function probeCluster(client: KubeClient, timeoutMs: number, clock: Clock = systemClock): Promise<ProbeResult> {
  let version: string | null = null;
  try {
    version = (await withTimeout(client.version(), timeoutMs, client.server, clock)).gitVersion;
    await withTimeout(client.request('GET', '/api/v1/namespaces?limit=1'), timeoutMs, client.server, clock);
    return { phase: 'Connected', kubernetesVersion: version, message: `connected to Kubernetes ${version}` };
  } catch (e) {
    return { ...classify(e, client.server), kubernetesVersion: version };
  }
}

function classify(e: unknown, server: string): Omit<ProbeResult, 'kubernetesVersion'> {
  if (e instanceof ClusterUnreachableError) {
    return { phase: 'Unreachable', message: `${e.message}; check the server address and that the API server is up and reachable from Flotilla` };
  }
  if (e instanceof TlsVerificationError) {
    return { phase: 'Error', message: `TLS: ${e.message}; give the cluster's CA in tls.caData` };
  }
  if (e instanceof KubeApiError) {
    if (e.status === 401) return { phase: 'Unauthorized', message: `the API server at ${server} rejected the credentials (401); rotate them with PATCH` };
    if (e.status === 403) {
      return { phase: 'Error', message: `authenticated, but the credentials may not list namespaces (403): ${e.message}; grant at least read access to namespaces` };
    }
    return { phase: 'Error', message: `unexpected answer from the API server: ${e.message}` };
  }
  return { phase: 'Error', message: `check failed: ${e instanceof Error ? e.message : String(e)}` };
}

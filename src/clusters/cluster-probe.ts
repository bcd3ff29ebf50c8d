import { ClusterUnreachableError, KubeApiError, KubeClient, TlsVerificationError, UnexpectedAnswerError } from '../kube';
import { type Clock, systemClock, type Timer } from '../shared/clock';
import { DomainError } from '../shared/errors';
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

type Step = 'version' | 'namespaces';

/**
 * Is the cluster usable with these credentials? `/version` proves reachability, TLS and that a
 * Kubernetes API server answers (the client checks the document); listing one namespace proves
 * the credentials may read something. Every outcome carries a message a person can act on, and
 * never repeats what the server sent unless it is a Kubernetes Status: `status.message` is read
 * by viewers, and the address may be any service. `onUnexpected` hears of errors no rule
 * classifies, which the message only mentions.
 */
export async function probeCluster(client: KubeClient, timeoutMs: number, clock: Clock = systemClock, onUnexpected?: (e: unknown) => void): Promise<ProbeResult> {
  let version: string | null = null;
  let step: Step = 'version';
  try {
    version = (await withTimeout(client.version(), timeoutMs, client.server, clock)).gitVersion;
    step = 'namespaces';
    await withTimeout(client.namespaces(1), timeoutMs, client.server, clock);
    return { phase: 'Connected', kubernetesVersion: version, message: `connected to Kubernetes ${version}` };
  } catch (e) {
    if (!(e instanceof DomainError)) onUnexpected?.(e);
    return { ...classify(e, client.server, step), kubernetesVersion: version };
  }
}

function classify(e: unknown, server: string, step: Step): Omit<ProbeResult, 'kubernetesVersion'> {
  if (e instanceof ClusterUnreachableError) {
    return { phase: 'Unreachable', message: `${e.message}; check the server address and that the API server is up and reachable from Flotilla` };
  }
  if (e instanceof TlsVerificationError) {
    return { phase: 'Error', message: `TLS: ${e.message}; give the cluster's CA in tls.caData` };
  }
  if (e instanceof UnexpectedAnswerError) {
    const asked = step === 'version' ? 'GET /version' : 'a namespace list';
    return {
      phase: 'Error',
      message: `not a Kubernetes API server: ${server} answered ${asked} with HTTP ${e.status} (${e.contentType}), not ${e.expected}; check the server address`,
    };
  }
  if (e instanceof KubeApiError) {
    if (e.status === 401) return { phase: 'Unauthorized', message: `the API server at ${server} rejected the credentials (401); rotate them with PATCH` };
    if (e.status === 403 && step === 'namespaces') {
      return { phase: 'Error', message: `authenticated, but the credentials may not list namespaces (403): ${e.message}; grant at least read access to namespaces` };
    }
    return { phase: 'Error', message: `unexpected answer from the API server: ${e.message}` };
  }
  if (e instanceof DomainError) return { phase: 'Error', message: `check failed: ${e.message}` };
  return { phase: 'Error', message: 'check failed with an unexpected error (logged by Flotilla)' };
}

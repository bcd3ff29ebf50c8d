// Health of live objects in Argo CD's vocabulary. The rules (also in README.md):
// - an object that does not exist is Missing;
// - workloads (Deployment, StatefulSet, DaemonSet, ReplicaSet) are Progressing until their
//   controller has observed the latest generation and every replica is updated and available;
//   a Deployment past its progress deadline is Degraded, a paused one Suspended. A workload with
//   no status at all has not been seen by its controller yet: Progressing;
// - Pod: Succeeded/Running-and-ready Healthy, Failed or a container stuck in a back-off Degraded;
// - Job: Failed condition Degraded, Complete Healthy, suspended Suspended, else Progressing;
//   CronJob suspended is Suspended;
// - PVC: Bound Healthy, Lost Degraded, else Progressing;
// - Service of type LoadBalancer and Ingress: Healthy once the load balancer has an address;
// - anything else: status.observedGeneration behind metadata.generation is Progressing; a
//   Ready or Available condition decides (True Healthy, False Degraded, Unknown Progressing);
//   an object without such conditions — a ConfigMap, a custom resource without status — is
//   Healthy, because nothing reports that it is not.
import { splitApiVersion } from '../kube';
import type { KubeObject } from './objects';

export const HEALTH_STATUSES = ['Healthy', 'Progressing', 'Degraded', 'Suspended', 'Missing', 'Unknown'] as const;
export type HealthStatus = (typeof HEALTH_STATUSES)[number];

export interface Health {
  status: HealthStatus;
  message?: string;
}

/** Argo CD's order: a target is as healthy as its least healthy object. */
const SEVERITY: HealthStatus[] = ['Healthy', 'Suspended', 'Progressing', 'Missing', 'Degraded', 'Unknown'];

export function worstHealth(statuses: Iterable<HealthStatus>): HealthStatus {
  let worst: HealthStatus = 'Healthy';
  for (const s of statuses) if (SEVERITY.indexOf(s) > SEVERITY.indexOf(worst)) worst = s;
  return worst;
}

type Rule = (obj: KubeObject) => Health;

const healthy: Health = { status: 'Healthy' };

export function healthOf(obj: KubeObject | undefined): Health {
  if (!obj) return { status: 'Missing', message: 'object does not exist' };
  try {
    const rule: Rule | undefined = RULES[obj.kind];
    return rule !== undefined && splitApiVersion(obj.apiVersion).group === KIND_GROUPS[obj.kind] ? rule(obj) : generic(obj);
  } catch (e) {
    return { status: 'Unknown', message: `health check failed: ${(e as Error).message}` };
  }
}

const KIND_GROUPS: Record<string, string> = {
  Deployment: 'apps',
  StatefulSet: 'apps',
  DaemonSet: 'apps',
  ReplicaSet: 'apps',
  Pod: '',
  PersistentVolumeClaim: '',
  Service: '',
  Job: 'batch',
  CronJob: 'batch',
  Ingress: 'networking.k8s.io',
};

/** The status condition of `type`, as controllers write them. */
export function conditionOf(obj: KubeObject | undefined, type: string): { status?: string; reason?: string; message?: string } | undefined {
  return (obj?.status?.conditions ?? []).find((c: { type?: string }) => c.type === type);
}

function notObserved(obj: KubeObject): Health | undefined {
  const observed = obj.status?.observedGeneration;
  if (observed === undefined || observed < (obj.metadata.generation ?? 0)) {
    return { status: 'Progressing', message: `waiting for the controller to observe generation ${obj.metadata.generation ?? 0}` };
  }
  return undefined;
}

function deployment(obj: KubeObject): Health {
  if (obj.spec?.paused) return { status: 'Suspended', message: 'deployment is paused' };
  // conditions describe the generation the controller observed: until it observed this one, a
  // deadline exceeded by the previous spec says nothing about the new one (as a stale Available doesn't)
  const waiting = notObserved(obj);
  if (waiting) return waiting;
  const progressing = conditionOf(obj, 'Progressing');
  if (progressing?.reason === 'ProgressDeadlineExceeded') {
    return { status: 'Degraded', message: `deployment "${obj.metadata.name}" exceeded its progress deadline` };
  }
  const want = obj.spec?.replicas ?? 1;
  const s = obj.status ?? {};
  const updated = s.updatedReplicas ?? 0;
  if (updated < want) return { status: 'Progressing', message: `${updated} of ${want} replicas updated` };
  if ((s.replicas ?? 0) > updated) return { status: 'Progressing', message: `${(s.replicas ?? 0) - updated} old replicas pending termination` };
  if ((s.availableReplicas ?? 0) < updated) return { status: 'Progressing', message: `${s.availableReplicas ?? 0} of ${updated} updated replicas available` };
  return healthy;
}

function statefulSet(obj: KubeObject): Health {
  const waiting = notObserved(obj);
  if (waiting) return waiting;
  const want = obj.spec?.replicas ?? 1;
  const s = obj.status ?? {};
  if ((s.readyReplicas ?? 0) < want) return { status: 'Progressing', message: `${s.readyReplicas ?? 0} of ${want} replicas ready` };
  if (obj.spec?.updateStrategy?.type !== 'OnDelete' && s.updateRevision && s.currentRevision !== s.updateRevision) {
    return { status: 'Progressing', message: `rolling out revision ${s.updateRevision}` };
  }
  return healthy;
}

function daemonSet(obj: KubeObject): Health {
  const waiting = notObserved(obj);
  if (waiting) return waiting;
  const s = obj.status ?? {};
  const want = s.desiredNumberScheduled ?? 0;
  if ((s.updatedNumberScheduled ?? 0) < want) return { status: 'Progressing', message: `${s.updatedNumberScheduled ?? 0} of ${want} pods updated` };
  if ((s.numberAvailable ?? 0) < want) return { status: 'Progressing', message: `${s.numberAvailable ?? 0} of ${want} pods available` };
  return healthy;
}

function replicaSet(obj: KubeObject): Health {
  const failure = conditionOf(obj, 'ReplicaFailure');
  if (failure?.status === 'True') return { status: 'Degraded', message: failure.message ?? 'replica failure' };
  const waiting = notObserved(obj);
  if (waiting) return waiting;
  const want = obj.spec?.replicas ?? 1;
  const available = obj.status?.availableReplicas ?? 0;
  return available < want ? { status: 'Progressing', message: `${available} of ${want} replicas available` } : healthy;
}

const BACK_OFF = /CrashLoopBackOff|ImagePullBackOff|ErrImagePull|CreateContainerConfigError|InvalidImageName/;

function pod(obj: KubeObject): Health {
  const s = obj.status ?? {};
  for (const c of [...(s.initContainerStatuses ?? []), ...(s.containerStatuses ?? [])]) {
    const reason = c.state?.waiting?.reason;
    if (reason && BACK_OFF.test(reason)) return { status: 'Degraded', message: `container ${c.name}: ${reason}${c.state.waiting.message ? `: ${c.state.waiting.message}` : ''}` };
  }
  switch (s.phase) {
    case 'Succeeded':
      return healthy;
    case 'Failed':
      return { status: 'Degraded', message: s.message ?? 'pod failed' };
    case 'Running': {
      if (obj.spec?.restartPolicy === 'Always' || obj.spec?.restartPolicy === undefined) {
        return conditionOf(obj, 'Ready')?.status === 'True' ? healthy : { status: 'Progressing', message: 'pod is running but not ready' };
      }
      return { status: 'Progressing', message: 'pod is running' };
    }
    default:
      return { status: 'Progressing', message: `pod is ${s.phase ?? 'pending'}` };
  }
}

function job(obj: KubeObject): Health {
  const failed = conditionOf(obj, 'Failed');
  if (failed?.status === 'True') return { status: 'Degraded', message: `job failed: ${failed.reason ?? ''}${failed.message ? ` — ${failed.message}` : ''}`.trim() };
  if (conditionOf(obj, 'Complete')?.status === 'True') return healthy;
  if (obj.spec?.suspend) return { status: 'Suspended', message: 'job is suspended' };
  return { status: 'Progressing', message: `job running (${obj.status?.succeeded ?? 0} succeeded)` };
}

function cronJob(obj: KubeObject): Health {
  return obj.spec?.suspend ? { status: 'Suspended', message: 'cron job is suspended' } : healthy;
}

function pvc(obj: KubeObject): Health {
  switch (obj.status?.phase) {
    case 'Bound':
      return healthy;
    case 'Lost':
      return { status: 'Degraded', message: 'claim lost its volume' };
    default:
      return { status: 'Progressing', message: `claim is ${obj.status?.phase ?? 'pending'}` };
  }
}

function loadBalanced(what: string): Rule {
  return (obj) => {
    if (what === 'service' && obj.spec?.type !== 'LoadBalancer') return healthy;
    return (obj.status?.loadBalancer?.ingress ?? []).length > 0 ? healthy : { status: 'Progressing', message: `waiting for the ${what}'s load balancer address` };
  };
}

function generic(obj: KubeObject): Health {
  const observed = obj.status?.observedGeneration;
  if (observed !== undefined && obj.metadata.generation !== undefined && observed < obj.metadata.generation) {
    return { status: 'Progressing', message: `waiting for the controller to observe generation ${obj.metadata.generation}` };
  }
  const c = conditionOf(obj, 'Ready') ?? conditionOf(obj, 'Available');
  if (!c) return healthy;
  if (c.status === 'True') return healthy;
  const message = [c.reason, c.message].filter(Boolean).join(': ') || undefined;
  return c.status === 'False' ? { status: 'Degraded', message } : { status: 'Progressing', message };
}

const RULES: Record<string, Rule> = {
  Deployment: deployment,
  StatefulSet: statefulSet,
  DaemonSet: daemonSet,
  ReplicaSet: replicaSet,
  Pod: pod,
  Job: job,
  CronJob: cronJob,
  PersistentVolumeClaim: pvc,
  Service: loadBalanced('service'),
  Ingress: loadBalanced('ingress'),
};

// The one table that decides the order objects are applied in (pruning walks it backwards).
// Stages first (SPEC §3 step 6), then the sync wave, then a fixed kind order that puts what
// workloads refer to (accounts, RBAC, config, services) before the workloads themselves.
import { isCrd, isNamespace, SYNC_WAVE_ANNOTATION, type KubeObject } from './objects';

export enum Stage {
  /** CustomResourceDefinitions; the engine waits for them to be Established */
  Crds = 0,
  Namespaces = 1,
  ClusterScoped = 2,
  Namespaced = 3,
  /** admission webhooks and policies: last, so they cannot block the objects they would check
   *  (or point at a webhook service that is not deployed yet) */
  Admission = 4,
}

export type StageName = keyof typeof Stage;

/** Every stage, in apply order. */
export const STAGES: readonly Stage[] = [Stage.Crds, Stage.Namespaces, Stage.ClusterScoped, Stage.Namespaced, Stage.Admission];

export function stageName(stage: Stage): StageName {
  return Stage[stage] as StageName;
}

const ADMISSION_KINDS = new Set([
  'MutatingWebhookConfiguration',
  'ValidatingWebhookConfiguration',
  'ValidatingAdmissionPolicy',
  'ValidatingAdmissionPolicyBinding',
  'MutatingAdmissionPolicy',
  'MutatingAdmissionPolicyBinding',
]);

/** Within a stage and wave; kinds not listed come after every listed one, alphabetically. */
export const KIND_ORDER: readonly string[] = [
  'Namespace',
  'ResourceQuota',
  'LimitRange',
  'PriorityClass',
  'PodDisruptionBudget',
  'ServiceAccount',
  'Secret',
  'ConfigMap',
  'StorageClass',
  'PersistentVolume',
  'PersistentVolumeClaim',
  'CustomResourceDefinition',
  'ClusterRole',
  'ClusterRoleBinding',
  'Role',
  'RoleBinding',
  'Service',
  'EndpointSlice',
  'DaemonSet',
  'Pod',
  'ReplicationController',
  'ReplicaSet',
  'Deployment',
  'HorizontalPodAutoscaler',
  'StatefulSet',
  'Job',
  'CronJob',
  'IngressClass',
  'Ingress',
  'NetworkPolicy',
  'APIService',
];
const KIND_RANK = new Map(KIND_ORDER.map((k, i) => [k, i]));

export interface Orderable {
  object: KubeObject;
  /** from API discovery (or, for a kind whose CRD is in the same set, from that CRD's scope) */
  namespaced: boolean;
}

export function stageOf(o: Orderable): Stage {
  if (isCrd(o.object)) return Stage.Crds;
  if (isNamespace(o.object)) return Stage.Namespaces;
  if (ADMISSION_KINDS.has(o.object.kind)) return Stage.Admission;
  return o.namespaced ? Stage.Namespaced : Stage.ClusterScoped;
}

/** The object's `flotilla.io/sync-wave`; 0 when absent. Not an integer → error naming the value. */
export function waveOf(obj: KubeObject): number {
  const raw = obj.metadata.annotations?.[SYNC_WAVE_ANNOTATION];
  if (raw === undefined || raw === '') return 0;
  const wave = Number(raw);
  if (!Number.isInteger(wave)) throw new Error(`${SYNC_WAVE_ANNOTATION} must be an integer, not "${raw}"`);
  return wave;
}

function safeWave(obj: KubeObject): number {
  try {
    return waveOf(obj);
  } catch {
    return 0;
  }
}

function kindRank(kind: string): number {
  return KIND_RANK.get(kind) ?? KIND_ORDER.length;
}

export function compareForApply(a: Orderable, b: Orderable): number {
  return (
    stageOf(a) - stageOf(b) ||
    safeWave(a.object) - safeWave(b.object) ||
    kindRank(a.object.kind) - kindRank(b.object.kind) ||
    a.object.kind.localeCompare(b.object.kind) ||
    (a.object.metadata.namespace ?? '').localeCompare(b.object.metadata.namespace ?? '') ||
    a.object.metadata.name.localeCompare(b.object.metadata.name)
  );
}

/** Sorted copy in apply order. */
export function applyOrder<T extends Orderable>(items: readonly T[]): T[] {
  return [...items].sort(compareForApply);
}

/**
 * Consecutive groups that may be applied concurrently: same stage, same wave, same kind.
 * Groups are applied one after another, so the order above holds between them.
 */
export function applyGroups<T extends Orderable>(items: readonly T[]): T[][] {
  const groups: T[][] = [];
  let key = '';
  for (const item of applyOrder(items)) {
    const k = `${stageOf(item)}|${safeWave(item.object)}|${item.object.kind}`;
    if (k !== key || groups.length === 0) groups.push([]);
    groups[groups.length - 1].push(item);
    key = k;
  }
  return groups;
}

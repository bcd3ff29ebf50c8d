// The vocabulary shared by every step of a sync: object references, the inventory, and the
// labels and annotations Flotilla puts on what it manages (SPEC §3 step 3).
import type { KubeObject } from '../kube';

export type { KubeObject };

export const MANAGED_BY_LABEL = 'app.kubernetes.io/managed-by';
export const MANAGED_BY_VALUE = 'flotilla';
export const APPLICATION_LABEL = 'flotilla.io/application';
export const TRACKING_ID_ANNOTATION = 'flotilla.io/tracking-id';
export const SYNC_WAVE_ANNOTATION = 'flotilla.io/sync-wave';
/** comma-separated options; `Replace=true` allows delete-and-recreate when a field is immutable */
export const SYNC_OPTIONS_ANNOTATION = 'flotilla.io/sync-options';
export const FIELD_MANAGER = 'flotilla';
/** the namespace part of the tracking id of cluster-scoped objects */
export const CLUSTER_SCOPE = '_cluster';

/** Where an object lives. Serialisable: the inventory is a list of these. */
export interface ObjectRef {
  group: string;
  version: string;
  kind: string;
  /** absent for cluster-scoped objects */
  namespace?: string;
  name: string;
}

export type Inventory = ObjectRef[];

export function refOf(obj: KubeObject): ObjectRef {
  const slash = obj.apiVersion.indexOf('/');
  const group = slash < 0 ? '' : obj.apiVersion.slice(0, slash);
  const version = slash < 0 ? obj.apiVersion : obj.apiVersion.slice(slash + 1);
  const ref: ObjectRef = { group, version, kind: obj.kind, name: obj.metadata.name };
  if (obj.metadata.namespace) ref.namespace = obj.metadata.namespace;
  return ref;
}

export function apiVersionOf(ref: Pick<ObjectRef, 'group' | 'version'>): string {
  return ref.group ? `${ref.group}/${ref.version}` : ref.version;
}

/** Identity of an object regardless of the version it is served at. */
export function refKey(ref: ObjectRef): string {
  return `${ref.group}/${ref.kind}/${ref.namespace ?? ''}/${ref.name}`;
}

/** `Deployment shop/web`, `ClusterRole reader` */
export function describeRef(ref: ObjectRef): string {
  return `${ref.kind} ${ref.namespace ? `${ref.namespace}/` : ''}${ref.name}`;
}

export function trackingId(application: string, namespace: string | undefined): string {
  return `${application}:${namespace ?? CLUSTER_SCOPE}`;
}

export function trackingIdOf(obj: KubeObject | undefined): string | undefined {
  return obj?.metadata?.annotations?.[TRACKING_ID_ANNOTATION];
}

export function syncOptions(obj: KubeObject): Set<string> {
  const raw = obj.metadata.annotations?.[SYNC_OPTIONS_ANNOTATION] ?? '';
  return new Set(raw.split(',').map((s: string) => s.trim()).filter(Boolean));
}

export function isCrd(obj: Pick<KubeObject, 'apiVersion' | 'kind'>): boolean {
  return obj.kind === 'CustomResourceDefinition' && obj.apiVersion.startsWith('apiextensions.k8s.io/');
}

export function isNamespace(obj: Pick<ObjectRef | KubeObject, 'kind'> & { group?: string; apiVersion?: string }): boolean {
  return obj.kind === 'Namespace' && (obj.apiVersion === 'v1' || obj.group === '');
}

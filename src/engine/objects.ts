// The vocabulary shared by every step of a sync: object references, the inventory, and the
// labels and annotations Flotilla puts on what it manages (SPEC §3 step 3).
import { splitApiVersion, type KubeObject } from '../kube';

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
/**
 * In git, `"true"`: Flotilla may adopt this object when it exists in the cluster without a
 * tracking id (SPEC §3 step 3; the application-wide switch is `syncPolicy.adopt`).
 */
export const ADOPT_ANNOTATION = 'flotilla.io/adopt';
/**
 * Set by Flotilla on an object it adopted, and kept on every later apply: the object existed
 * before Flotilla managed it, so prune leaves it alone unless `syncPolicy.pruneAdopted` — whichever
 * target of the application applies it later, and whatever became of the inventory.
 */
export const ADOPTED_ANNOTATION = 'flotilla.io/adopted';

/**
 * Metadata only the server sets. Placement strips them (sending them back would fail or fight the
 * server) and the diff ignores them (they change on every write).
 */
export const SERVER_OWNED_METADATA: readonly string[] = ['managedFields', 'resourceVersion', 'generation', 'creationTimestamp', 'uid', 'selfLink'];

/** Where an object lives. Serialisable: the inventory is a list of these. */
export interface ObjectRef {
  group: string;
  version: string;
  kind: string;
  /** absent for cluster-scoped objects */
  namespace?: string;
  name: string;
}

/** An inventory entry: an object a target owns; `adopted` when it existed before Flotilla managed it. */
export interface InventoryEntry extends ObjectRef {
  /** absent (entries stored before adoption existed, and objects Flotilla created) means not adopted */
  adopted?: true;
}

/** Serialisable: stored per target and passed to the next sync. */
export type Inventory = InventoryEntry[];

/** The reference alone, without inventory flags. */
export function plainRef(ref: ObjectRef): ObjectRef {
  const out: ObjectRef = { group: ref.group, version: ref.version, kind: ref.kind, name: ref.name };
  if (ref.namespace !== undefined) out.namespace = ref.namespace;
  return out;
}

export function refOf(obj: KubeObject): ObjectRef {
  const { group, version } = splitApiVersion(obj.apiVersion);
  const ref: ObjectRef = { group, version, kind: obj.kind, name: obj.metadata.name };
  if (obj.metadata.namespace) ref.namespace = obj.metadata.namespace;
  return ref;
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

/** The object's tracking id; undefined when it has none or an empty one (it is then untracked). */
export function trackingIdOf(obj: KubeObject | undefined): string | undefined {
  const id = obj?.metadata?.annotations?.[TRACKING_ID_ANNOTATION];
  return typeof id === 'string' && id.trim() ? id : undefined;
}

/** Whether Flotilla adopted the object (it carries ADOPTED_ANNOTATION). */
export function isAdopted(obj: KubeObject | undefined): boolean {
  return obj?.metadata?.annotations?.[ADOPTED_ANNOTATION] === 'true';
}

export function syncOptions(obj: KubeObject): Set<string> {
  const raw = obj.metadata.annotations?.[SYNC_OPTIONS_ANNOTATION] ?? '';
  return new Set(
    raw
      .split(',')
      .map((s: string) => s.trim())
      .filter(Boolean),
  );
}

type Kinded = Pick<KubeObject, 'apiVersion' | 'kind'> | Pick<ObjectRef, 'group' | 'kind'>;

function groupOf(o: Kinded): string {
  return 'apiVersion' in o ? splitApiVersion(o.apiVersion).group : o.group;
}

export function isCrd(o: Kinded): boolean {
  return o.kind === 'CustomResourceDefinition' && groupOf(o) === 'apiextensions.k8s.io';
}

/** A core Namespace, as an object or a reference (a `Namespace` kind of another group is not one). */
export function isNamespace(o: Kinded): boolean {
  return o.kind === 'Namespace' && groupOf(o) === '';
}

// Placement (SPEC §3 step 3): namespaced objects go to the target namespace, cluster-scoped ones
// lose any namespace, and every object gets Flotilla's labels and its target's tracking id.
import { apiVersionProblem, kindProblem, pathSegmentProblem, splitApiVersion, type KubeClient } from '../kube';
import { mapBounded } from '../shared/map-bounded';
import { clusterResourceEntry, DEFAULT_CLUSTER_RESOURCES, isClusterKindAllowed } from './cluster-resources';
import { waveOf } from './order';
import type { RenderedObject } from './render';
import type { ChangeSetEntry, Target } from './types';
import {
  APPLICATION_LABEL,
  describeRef,
  refKey,
  isCrd,
  MANAGED_BY_LABEL,
  MANAGED_BY_VALUE,
  refOf,
  SERVER_OWNED_METADATA,
  TRACKING_ID_ANNOTATION,
  trackingId,
  type KubeObject,
  type ObjectRef,
} from './objects';

export interface PlacedObject {
  object: KubeObject;
  ref: ObjectRef;
  namespaced: boolean;
  source?: { file: string; line: number };
  /** not rendered: the target namespace, placed by the engine because it does not exist */
  targetNamespace?: true;
}

/** A copy of `obj` placed for the target; the input is not changed. */
export function placeObject(obj: KubeObject, namespaced: boolean, target: Target): PlacedObject {
  const object: KubeObject = structuredClone(obj);
  const metadata = object.metadata;
  if (namespaced) metadata.namespace = target.namespace;
  else delete metadata.namespace;
  metadata.labels = { ...(metadata.labels ?? {}), [MANAGED_BY_LABEL]: MANAGED_BY_VALUE, [APPLICATION_LABEL]: target.application };
  metadata.annotations = {
    ...(metadata.annotations ?? {}),
    [TRACKING_ID_ANNOTATION]: trackingId(target.application, namespaced ? target.namespace : undefined),
  };
  for (const f of SERVER_OWNED_METADATA) delete metadata[f];
  return { object, ref: refOf(object), namespaced };
}

/**
 * The target namespace as an ordinary object of the Namespaces stage, placed only when it does
 * not exist. It carries the application that created it — label and tracking id
 * `<app>:_cluster` (SPEC §3 step 3) — but it is in no inventory and never pruned: other
 * applications may deploy into it later, and deleting a namespace deletes all of them.
 */
export function placeTargetNamespace(target: Target): PlacedObject {
  const object: KubeObject = {
    apiVersion: 'v1',
    kind: 'Namespace',
    metadata: {
      name: target.namespace,
      labels: { [MANAGED_BY_LABEL]: MANAGED_BY_VALUE, [APPLICATION_LABEL]: target.application },
      annotations: { [TRACKING_ID_ANNOTATION]: trackingId(target.application, undefined) },
    },
  };
  return { object, ref: refOf(object), namespaced: false, targetNamespace: true };
}

/**
 * The scope of a kind no server knows yet because its CRD is part of the same set: taken from
 * that CRD's `spec.scope`. Undefined when no CRD in the set defines it.
 */
export function scopeFromCrds(objects: readonly KubeObject[], apiVersion: string, kind: string): boolean | undefined {
  const { group, version } = splitApiVersion(apiVersion);
  for (const crd of objects) {
    if (!isCrd(crd)) continue;
    const spec = crd.spec ?? {};
    if (spec.group !== group || spec.names?.kind !== kind) continue;
    if (!(spec.versions ?? []).some((v: { name?: string }) => v.name === version)) continue;
    return spec.scope !== 'Cluster';
  }
  return undefined;
}

export interface PlaceOptions {
  /** cluster-scoped kinds the application may apply (cluster-resources.ts); default `['Namespace']` */
  clusterResources?: readonly string[];
}

/**
 * Places every object for the target. Objects that cannot be placed (a name or apiVersion that
 * cannot be a request path, a kind neither the cluster nor a CRD of the set defines, a
 * cluster-scoped kind the application may not apply, a bad sync wave, a duplicate) become failed
 * entries; the others go on.
 */
export async function placeTarget(
  client: KubeClient,
  target: Target,
  objects: ReadonlyArray<RenderedObject | KubeObject>,
  concurrency: number,
  options: PlaceOptions = {},
): Promise<{ placed: PlacedObject[]; failures: ChangeSetEntry[] }> {
  const items = objects.map((o) => (isRendered(o) ? o : { object: o, source: undefined }));
  const plain = items.map((i) => i.object);
  const failures: ChangeSetEntry[] = [];
  const placed: PlacedObject[] = [];
  const seen = new Set<string>();
  const allowed = options.clusterResources ?? DEFAULT_CLUSTER_RESOURCES;
  const scopes = await mapBounded(items, concurrency, async ({ object }) => {
    try {
      // before discovery or any other request: `..` and `x/../../api/v1` would read other paths
      const invalid = apiVersionProblem(object.apiVersion) ?? kindProblem(object.kind) ?? pathSegmentProblem('name', object.metadata.name);
      if (invalid) return new Error(`${invalid}; refused before any request`);
      waveOf(object);
      const served = await client.discovery.tryResolve(object.apiVersion, object.kind);
      const namespaced = served?.namespaced ?? scopeFromCrds(plain, object.apiVersion, object.kind);
      if (namespaced === undefined) return new Error(`no kind ${object.kind} in ${object.apiVersion} — is its CRD installed?`);
      return namespaced;
    } catch (e) {
      return e as Error;
    }
  });
  items.forEach(({ object, source }, i) => {
    const scope = scopes[i];
    if (scope instanceof Error) {
      failures.push({ ref: refOf(object), action: 'failed', message: scope.message, ...(source ? { source } : {}) });
      return;
    }
    const p = placeObject(object, scope, target);
    if (source) p.source = source;
    if (!scope && !isClusterKindAllowed(p.ref, allowed)) {
      const entry = clusterResourceEntry(p.ref);
      failures.push({
        ref: p.ref,
        action: 'failed',
        ...(source ? { source } : {}),
        message: `KindNotAllowed: ${describeRef(p.ref)} is cluster-scoped and ${JSON.stringify(entry)} is not in the application's syncPolicy.clusterResources (${allowed.length ? allowed.map((a) => JSON.stringify(a)).join(', ') : 'empty'}); an admin can add it, or "*"`,
      });
      return;
    }
    const key = refKey(p.ref);
    if (seen.has(key)) {
      failures.push({ ref: p.ref, action: 'failed', message: `rendered twice${source ? ` (again at ${source.file}:${source.line})` : ''}`, ...(source ? { source } : {}) });
      return;
    }
    seen.add(key);
    placed.push(p);
  });
  return { placed, failures };
}

function isRendered(o: RenderedObject | KubeObject): o is RenderedObject {
  return typeof (o as RenderedObject).object === 'object' && (o as RenderedObject).object !== null && 'source' in o && !('apiVersion' in o);
}

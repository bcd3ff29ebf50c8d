// Placement (SPEC §3 step 3): namespaced objects go to the target namespace, cluster-scoped ones
// lose any namespace, and every object gets Flotilla's labels and its target's tracking id.
import { APPLICATION_LABEL, isCrd, MANAGED_BY_LABEL, MANAGED_BY_VALUE, refOf, TRACKING_ID_ANNOTATION, trackingId, type KubeObject, type ObjectRef } from './objects';

export interface PlacedObject {
  object: KubeObject;
  ref: ObjectRef;
  namespaced: boolean;
  source?: { file: string; line: number };
}

export interface Placement {
  application: string;
  namespace: string;
}

/** A copy of `obj` placed for the target; the input is not changed. */
export function placeObject(obj: KubeObject, namespaced: boolean, target: Placement): PlacedObject {
  const object: KubeObject = structuredClone(obj);
  const metadata = object.metadata;
  if (namespaced) metadata.namespace = target.namespace;
  else delete metadata.namespace;
  metadata.labels = { ...(metadata.labels ?? {}), [MANAGED_BY_LABEL]: MANAGED_BY_VALUE, [APPLICATION_LABEL]: target.application };
  metadata.annotations = {
    ...(metadata.annotations ?? {}),
    [TRACKING_ID_ANNOTATION]: trackingId(target.application, namespaced ? target.namespace : undefined),
  };
  // fields only the server may set; sending them back would fail or fight the server
  for (const f of ['resourceVersion', 'uid', 'creationTimestamp', 'generation', 'managedFields', 'selfLink']) delete metadata[f];
  return { object, ref: refOf(object), namespaced };
}

/**
 * The scope of a kind no server knows yet because its CRD is part of the same set: taken from
 * that CRD's `spec.scope`. Undefined when no CRD in the set defines it.
 */
export function scopeFromCrds(objects: readonly KubeObject[], apiVersion: string, kind: string): boolean | undefined {
  const [group, version] = apiVersion.includes('/') ? apiVersion.split('/', 2) : ['', apiVersion];
  for (const crd of objects) {
    if (!isCrd(crd)) continue;
    const spec = crd.spec ?? {};
    if (spec.group !== group || spec.names?.kind !== kind) continue;
    if (!(spec.versions ?? []).some((v: { name?: string }) => v.name === version)) continue;
    return spec.scope !== 'Cluster';
  }
  return undefined;
}
